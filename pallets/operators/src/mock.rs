//! A test runtime: System, Balances and the operators.

use crate::{self as pallet_operators, Params};
use frame_support::{
	derive_impl, parameter_types,
	traits::{Hooks, OneSessionHandler, VariantCountOf},
};
use sp_core::{ed25519, Pair};
use sp_runtime::{testing::UintAuthorityId, BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Operators: pallet_operators,
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

pub const POT: AccountId = 99;

parameter_types! {
	pub const Pot: AccountId = POT;
	pub const MaxServicesPerKind: u32 = 4;
	pub const MaxProbers: u32 = 8;
	pub const HistoryDepth: u32 = 3;
}

impl pallet_operators::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ProberId = UintAuthorityId;
	type Pot = Pot;
	type ParamsOrigin = frame_system::EnsureRoot<AccountId>;
	type SlashOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxServicesPerKind = MaxServicesPerKind;
	type MaxProbers = MaxProbers;
	type HistoryDepth = HistoryDepth;
	type WeightInfo = ();
}

pub type Extrinsic = sp_runtime::generic::UncheckedExtrinsic<AccountId, RuntimeCall, (), ()>;

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extension = ();

	fn create_transaction(call: RuntimeCall, extension: ()) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_extension() {}
}

/// Operators.
pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// Validators 11..=14 probe with keys 11..=14.
pub const VALIDATORS: [AccountId; 4] = [11, 12, 13, 14];
pub const ENDOWMENT: Balance = 1_000_000;
pub const BOND: Balance = 1_000;
/// Round of 10 blocks, eras of 6 rounds.
pub const ROUND: u64 = 10;
pub const ROUNDS: u32 = 6;

pub fn test_params() -> Params<Balance> {
	Params {
		bond: BOND,
		max_per_kind: 3,
		round_length: ROUND as u32,
		rounds_per_era: ROUNDS,
		unbonding_eras: 2,
		rates: [600, 300, 120],
		shares: [Perbill::from_percent(50), Perbill::from_percent(30), Perbill::from_percent(20)],
		budget_cap: 100_000,
		pot_share: Perbill::from_percent(50),
		pot_minimum: 1_000,
		emission: 0,
		min_score: Perbill::from_percent(50),
		max_strikes: 2,
		allow_private: false,
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, ENDOWMENT),
			(BOB, ENDOWMENT),
			(CHARLIE, ENDOWMENT),
			(POT, 100_000),
			(11, ENDOWMENT),
			(12, ENDOWMENT),
			(13, ENDOWMENT),
			(14, ENDOWMENT),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	pallet_operators::GenesisConfig::<Test> { params: Some(test_params()) }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| {
		System::set_block_number(1);
		let keys: Vec<_> = VALIDATORS.iter().map(|v| (v, UintAuthorityId(*v))).collect();
		<Operators as OneSessionHandler<AccountId>>::on_genesis_session(keys.into_iter());
		Operators::on_initialize(1);
	});
	ext
}

/// Runs blocks up to `n`, checking the invariants after each.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Operators::on_initialize(next);
		crate::try_state::check::<Test>().expect("invariants hold");
	}
}

/// The service key of operator `seed`.
pub fn service_pair(seed: u8) -> ed25519::Pair {
	ed25519::Pair::from_seed(&[seed; 32])
}
