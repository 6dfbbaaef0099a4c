#[cfg(feature = "std")]
fn main() {
	// The target directory lives outside the clone ($HOME/.cache/ddns/target), where the wasm
	// builder cannot find our Cargo.lock by walking up from OUT_DIR. Point it at the workspace so
	// the wasm runtime is built with the locked versions. Set here rather than in
	// `.cargo/config.toml`, because other crates' wasm builds (frame-benchmarking-cli's test
	// runtime) must not look for themselves in our workspace.
	// Read at run time: a build script compiled in another clone (the shared target directory
	// reuses it) must still point at the clone being built.
	let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
	let workspace = std::path::Path::new(&manifest).join("..");
	std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// The wasm builder is deactivated when compiling this crate for wasm.
#[cfg(not(feature = "std"))]
fn main() {}
