//! A test runtime: System and the validator set.

use crate as pallet_validators;
use frame_support::{derive_impl, parameter_types};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Validators: pallet_validators,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

parameter_types! {
	pub const MaxValidators: u32 = 4;
	pub const MinValidators: u32 = 1;
	/// Accounts that purged their session keys (`session.purgeKeys`).
	pub storage Purged: Vec<AccountId> = vec![];
	/// The author of the block being built, as `FindAuthor` reports it.
	pub storage Author: Option<AccountId> = Some(1);
	pub const MaxBlockReward: u64 = 1_000;
}

pub struct TestAuthor;
impl frame_support::traits::FindAuthor<AccountId> for TestAuthor {
	fn find_author<'a, I>(_digests: I) -> Option<AccountId>
	where
		I: 'a + IntoIterator<Item = (frame_support::ConsensusEngineId, &'a [u8])>,
	{
		Author::get()
	}
}

/// Accounts 10 to 99 and the purged ones have no session keys; all others (the benchmarks'
/// too) have.
pub struct HasKeys;
impl frame_support::traits::Contains<AccountId> for HasKeys {
	fn contains(who: &AccountId) -> bool {
		!(10..100).contains(who) && !Purged::get().contains(who)
	}
}

/// `who` purges (`true`) or sets again (`false`) its session keys.
pub fn purge_keys(who: AccountId, purged: bool) {
	let mut list = Purged::get();
	list.retain(|w| *w != who);
	if purged {
		list.push(who);
	}
	Purged::set(&list);
}

impl pallet_validators::Config for Test {
	type AddRemoveOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxValidators = MaxValidators;
	type MinValidators = MinValidators;
	type HasSessionKeys = HasKeys;
	type Currency = Balances;
	type FindAuthor = TestAuthor;
	type RewardOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxBlockReward = MaxBlockReward;
	type WeightInfo = ();
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: vec![(1, 100)], ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap();
	pallet_validators::GenesisConfig::<Test> { initial: vec![1, 2], block_reward: 10 }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
