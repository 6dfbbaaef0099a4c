#[cfg(feature = "std")]
fn main() {
	// The target directory lives outside the clone ($HOME/.cache/ddns/target), where the wasm
	// builder cannot find our Cargo.lock by walking up from OUT_DIR. Point it at the workspace so
	// the wasm runtime is built with the locked versions. Set here rather than in
	// `.cargo/config.toml`, because other crates' wasm builds (frame-benchmarking-cli's test
	// runtime) must not look for themselves in our workspace.
	let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
	std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// The wasm builder is deactivated when compiling this crate for wasm.
#[cfg(not(feature = "std"))]
fn main() {}
