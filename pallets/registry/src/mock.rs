//! A test runtime: System, Balances and the registry.

use crate::{self as pallet_registry, Params};
use frame_support::{
	derive_impl, parameter_types, traits::VariantCountOf, weights::Weight, PalletId,
};
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Registry: pallet_registry,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

parameter_types! {
	pub const RegistryPalletId: PalletId = PalletId(*b"ddns/pot");
	pub const MaxSubdomains: u32 = 4;
	pub const MaxLifecycleOps: u32 = 8;
	pub static LifecycleWeight: Weight = Weight::MAX;
}

impl pallet_registry::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ParamsOrigin = frame_system::EnsureRoot<AccountId>;
	type PalletId = RegistryPalletId;
	type MaxSubdomains = MaxSubdomains;
	type MaxLifecycleOps = MaxLifecycleOps;
	type LifecycleWeight = LifecycleWeight;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// Has almost nothing.
pub const POOR: AccountId = 4;
pub const ENDOWMENT: Balance = 1_000_000;

/// Lifecycle and prices of the test chain, small enough to walk through in a test.
pub fn test_params() -> Params<Balance, u64> {
	Params {
		period: 100,
		max_periods: 5,
		grace: 20,
		premium_window: 40,
		premium_halving: 10,
		premium_start: 8_000,
		rent: [5_000, 2_000, 1_000],
		burn: Perbill::from_percent(40),
		deposit_base: 10,
		deposit_per_byte: 1,
		commitment_deposit: 50,
		min_commitment_age: 2,
		max_commitment_age: 10,
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	test_ext_with(None)
}

/// The test chain, with `synthetic` names made at genesis.
pub fn test_ext_with(
	synthetic: Option<crate::synthetic::Synthetic<u64>>,
) -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, ENDOWMENT), (BOB, ENDOWMENT), (CHARLIE, ENDOWMENT), (POOR, 100)],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	pallet_registry::GenesisConfig::<Test> { params: Some(test_params()), synthetic }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test`, then checks every invariant of the registry.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Registry::do_try_state().expect("registry invariants hold");
	});
}
