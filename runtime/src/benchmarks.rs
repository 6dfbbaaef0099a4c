frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_grandpa, Grandpa]
	[pallet_sudo, Sudo]
	[pallet_ddns_registry, Registry]
	[pallet_ddns_validators, Validators]
	[pallet_ddns_operators, Operators]
);
