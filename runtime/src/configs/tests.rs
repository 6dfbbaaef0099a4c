//! What fees cost and where they go.

use super::*;
use crate::{genesis_config_presets::tests::build, TransactionPayment, UNIT};
use codec::Encode;
use frame_support::{
	dispatch::GetDispatchInfo,
	traits::{fungible::Inspect, Hooks},
	weights::WeightToFee as _,
};
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_runtime::{traits::Convert, Digest, DigestItem};

/// A fee in DDNS, for messages.
fn ddns(planck: Balance) -> f64 {
	planck as f64 / UNIT as f64
}

fn fee_of(call: RuntimeCall) -> Balance {
	let len = call.encoded_size() as u32 + 100; // signature, address and extensions
	TransactionPayment::compute_fee(len, &call.get_dispatch_info(), 0)
}

#[test]
fn fees_price_weight_and_length() {
	build(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let normal = RuntimeBlockWeights::get().get(DispatchClass::Normal).max_total.unwrap();
		let full_block =
			<Runtime as pallet_transaction_payment::Config>::WeightToFee::weight_to_fee(&normal);
		let megabyte =
			fee_of(RuntimeCall::System(frame_system::Call::remark { remark: vec![0; 1 << 20] }));
		let transfer = fee_of(RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: AccountId::new([1; 32]).into(),
			value: UNIT,
		}));
		let call = RuntimeCall::Registry(pallet_ddns_registry::Call::register {
			name: b"a-name-of-some-length.ddns".to_vec(),
			owner: AccountId::new([1; 32]),
			secret: [2; 32],
			periods: 1,
		});
		// Charged up front as if it evicted a lapsed holder, refunded to the plain weight.
		let upfront = fee_of(call.clone());
		let info = call.get_dispatch_info();
		use pallet_ddns_registry::WeightInfo as _;
		let plain = <Runtime as pallet_ddns_registry::Config>::WeightInfo::register();
		let post = frame_support::dispatch::PostDispatchInfo {
			actual_weight: Some(plain),
			pays_fee: frame_support::dispatch::Pays::Yes,
		};
		let len = call.encoded_size() as u32 + 100;
		let register = TransactionPayment::compute_actual_fee(len, &info, &post, 0);
		println!(
			"full block's weight: {:.1} DDNS; 1 MB remark: {:.1} DDNS; transfer: {:.4} DDNS; \
			 register: {:.4} DDNS ({:.4} up front); registers per block by weight: {}",
			ddns(full_block),
			ddns(megabyte),
			ddns(transfer),
			ddns(register),
			ddns(upfront),
			normal.ref_time() / (plain + info.extension_weight).ref_time(),
		);
		assert!((400 * UNIT..600 * UNIT).contains(&full_block), "{}", ddns(full_block));
		assert!((100 * UNIT..110 * UNIT).contains(&megabyte), "{}", ddns(megabyte));
		assert!((UNIT / 20..UNIT).contains(&register), "{}", ddns(register));
		assert!((UNIT / 100..UNIT / 5).contains(&transfer), "{}", ddns(transfer));
	});
}

#[test]
fn congestion_raises_fees_and_quiet_blocks_bring_them_back_to_the_floor() {
	build(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		type Update = <Runtime as pallet_transaction_payment::Config>::FeeMultiplierUpdate;
		// An empty block leaves the multiplier at its floor.
		assert_eq!(Update::convert(Multiplier::one()), Multiplier::one());
		// A full block raises it.
		let normal = RuntimeBlockWeights::get().get(DispatchClass::Normal).max_total.unwrap();
		System::register_extra_weight_unchecked(normal, DispatchClass::Normal);
		let raised = Update::convert(Multiplier::one());
		assert!(raised > Multiplier::one(), "{raised:?}");
		// An hour of full blocks raises fees by more than half (x1.57; they double in 925 blocks).
		let mut m = Multiplier::one();
		for _ in 0..600 {
			m = Update::convert(m);
		}
		let mut blocks_to_double = 600;
		let mut d = m;
		while d < Multiplier::saturating_from_integer(2) {
			d = Update::convert(d);
			blocks_to_double += 1;
		}
		println!("an hour of full blocks: fees x{m:?}; they double in {blocks_to_double} blocks");
		assert!(m > Multiplier::saturating_from_rational(3, 2), "{m:?}");
	});
}

/// Starts block 1 as authored by the validator of `slot` (Aura's pre-runtime digest).
fn start_block_in_slot(slot: Option<u64>) {
	let logs = slot
		.map(|s| vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(s).encode())])
		.unwrap_or_default();
	System::initialize(&1, &Default::default(), &Digest { logs });
	Aura::on_initialize(1);
	Validators::on_initialize(1);
}

#[test]
fn the_author_gets_a_fifth_of_the_fee_and_the_tip_and_the_treasury_the_rest() {
	build(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = pallet_session::Validators::<Runtime>::get()[0].clone();
		let pot = TreasuryAccount::get();
		start_block_in_slot(Some(7));
		// (After the block's initialization, which minted Alice the block reward.)
		let (alice_before, pot_before) = (Balances::balance(&alice), Balances::balance(&pot));
		assert_eq!(block_author(), Some(alice.clone()));
		// A session rotation later in the same block's initialization changes the list the
		// slot maps into; the author noted before it stands.
		pallet_session::Validators::<Runtime>::put(vec![AccountId::new([9; 32])]);
		assert_eq!(block_author(), Some(alice.clone()));
		let fee = Balances::issue(1_000 * UNIT);
		let tip = Balances::issue(3 * UNIT);
		DealWithFees::on_unbalanceds([fee, tip].into_iter());
		assert_eq!(Balances::balance(&alice) - alice_before, 200 * UNIT + 3 * UNIT);
		assert_eq!(Balances::balance(&pot) - pot_before, 800 * UNIT);
	});
}

#[test]
fn without_a_known_author_every_fee_goes_to_the_treasury() {
	build(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let pot = TreasuryAccount::get();
		let pot_before = Balances::balance(&pot);
		start_block_in_slot(None);
		assert_eq!(block_author(), None);
		DealWithFees::on_unbalanceds([Balances::issue(10 * UNIT)].into_iter());
		assert_eq!(Balances::balance(&pot) - pot_before, 10 * UNIT);
	});
}

#[test]
fn a_name_records_proxy_manages_records_and_takes_subdomains_back_and_nothing_else() {
	use pallet_ddns_registry::Call as R;
	let name = b"commons.ddns".to_vec();
	let who = AccountId::new([3; 32]);
	let allowed = [
		RuntimeCall::Registry(R::set_records { name: name.clone(), records: vec![] }),
		RuntimeCall::Registry(R::set_node_key { name: name.clone(), node_key: None }),
		RuntimeCall::Registry(R::take_back_subdomain { name: b"www.commons.ddns".to_vec() }),
		RuntimeCall::Utility(pallet_utility::Call::batch { calls: vec![] }),
	];
	let refused = [
		// A subdomain made for the proxy's operator and locked would be out of the owner's
		// reach for the parent's whole term.
		RuntimeCall::Registry(R::create_subdomain {
			parent: name.clone(),
			label: b"www".to_vec(),
			owner: who.clone(),
		}),
		RuntimeCall::Registry(R::lock_subdomain { name: b"www.commons.ddns".to_vec() }),
		RuntimeCall::Registry(R::transfer { name: name.clone(), to: who.clone() }),
		RuntimeCall::Registry(R::release { name: name.clone() }),
		RuntimeCall::Registry(R::renew { name: name.clone(), periods: 1 }),
		RuntimeCall::Registry(R::set_primary { name: Some(name.clone()) }),
		RuntimeCall::Balances(pallet_balances::Call::transfer_all {
			dest: who.into(),
			keep_alive: false,
		}),
		RuntimeCall::Proxy(pallet_proxy::Call::remove_proxies {}),
		RuntimeCall::Utility(pallet_utility::Call::dispatch_as {
			as_origin: Box::new(frame_system::RawOrigin::Root.into()),
			call: Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![] })),
		}),
	];
	for call in &allowed {
		assert!(ProxyType::NameRecords.filter(call), "{call:?}");
		assert!(ProxyType::Any.filter(call));
	}
	for call in &refused {
		assert!(!ProxyType::NameRecords.filter(call), "{call:?}");
		assert!(ProxyType::Any.filter(call));
	}
	assert!(ProxyType::Any.is_superset(&ProxyType::NameRecords));
	assert!(!ProxyType::NameRecords.is_superset(&ProxyType::Any));
}

#[test]
fn the_block_reward_is_minted_to_the_slot_author_before_the_session_rotates() {
	build(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = pallet_session::Validators::<Runtime>::get()[0].clone();
		let before = Balances::balance(&alice);
		let issuance = Balances::total_issuance();
		start_block_in_slot(Some(3));
		let reward = crate::genesis_config_presets::BLOCK_REWARD;
		assert_eq!(Balances::balance(&alice) - before, reward);
		assert_eq!(Balances::total_issuance() - issuance, reward);
		// No author digest: nothing minted.
		let issuance = Balances::total_issuance();
		System::set_block_number(0);
		start_block_in_slot(None);
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

mod operators {
	use super::*;
	use crate::{Executive, Operators};
	use frame_system::offchain::CreateAuthorizedTransaction;
	use pallet_ddns_operators::{crypto::ProberSignature, Report, RoundRef, Verdict};
	use sp_core::Pair;
	use sp_keyring::Sr25519Keyring;
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionSource};

	fn report_xt(
		signer: Sr25519Keyring,
		results: Vec<(u32, Verdict)>,
	) -> crate::UncheckedExtrinsic {
		let report = Report {
			era: 0,
			round: 0,
			prober: signer.public().into(),
			results: results.try_into().unwrap(),
		};
		let signature: ProberSignature =
			signer.pair().sign(&Operators::report_payload(&report)).into();
		let call =
			RuntimeCall::Operators(pallet_ddns_operators::Call::report { report, signature });
		<Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(call)
	}

	#[test]
	fn a_validators_report_is_a_fee_free_authorized_transaction() {
		build(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
			assert_eq!(pallet_ddns_operators::Probers::<Runtime>::get().len(), 1);
			System::initialize(&1, &Default::default(), &Default::default());
			Operators::on_initialize(1);
			// Round 0 of era 0 ended; its reports are taken now.
			let round = pallet_ddns_operators::CurrentRound::<Runtime>::get().unwrap();
			System::set_block_number(round.end);
			Operators::on_initialize(round.end);
			let prev: RoundRef<BlockNumber> =
				pallet_ddns_operators::PreviousRound::<Runtime>::get().unwrap();
			assert_eq!((prev.era, prev.round), (0, 0));
			let parent = System::parent_hash();
			// Bob is no validator: his key is refused before the pool takes it.
			let forged = report_xt(Sr25519Keyring::Bob, vec![]);
			assert_eq!(
				Executive::validate_transaction(TransactionSource::External, forged, parent),
				Err(InvalidTransaction::BadProof.into())
			);
			let xt = report_xt(Sr25519Keyring::Alice, vec![(0, Verdict::Up)]);
			let valid =
				Executive::validate_transaction(TransactionSource::External, xt.clone(), parent)
					.expect("a validator's report is valid");
			assert!(valid.propagate);
			let alice = Sr25519Keyring::Alice.to_account_id();
			let before = Balances::balance(&alice);
			assert_eq!(Executive::apply_extrinsic(xt.clone()), Ok(Ok(())));
			assert_eq!(Balances::balance(&alice), before, "no fee");
			assert_eq!(
				pallet_ddns_operators::Reports::<Runtime>::iter().count(),
				1,
				"the report is stored"
			);
			// A second report for the round is stale.
			assert_eq!(
				Executive::validate_transaction(TransactionSource::External, xt, parent),
				Err(InvalidTransaction::Stale.into())
			);
		});
	}

	#[test]
	fn old_session_keys_gain_a_probe_key_once() {
		use frame_support::traits::OnRuntimeUpgrade;
		build(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			// Put the keys back in the old layout: Aura then GRANDPA.
			let validators = pallet_session::Validators::<Runtime>::get();
			for who in &validators {
				let keys = pallet_session::NextKeys::<Runtime>::get(who).unwrap();
				let old = SessionKeysV1 { aura: keys.aura, grandpa: keys.grandpa };
				let key = pallet_session::NextKeys::<Runtime>::hashed_key_for(who);
				frame_support::storage::unhashed::put_raw(&key, &old.encode());
			}
			assert!(pallet_session::NextKeys::<Runtime>::get(&validators[0]).is_none());
			AddProbeKey::on_runtime_upgrade();
			for who in &validators {
				let keys = pallet_session::NextKeys::<Runtime>::get(who).unwrap();
				let aura: &[u8] = keys.aura.as_ref();
				let probe: &[u8] = keys.probe.as_ref();
				assert_eq!(aura, probe);
				assert_eq!(
					pallet_session::KeyOwner::<Runtime>::get((
						pallet_ddns_operators::KEY_TYPE,
						probe.to_vec()
					)),
					Some(who.clone())
				);
			}
			// A second run changes nothing.
			let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
			AddProbeKey::on_runtime_upgrade();
			assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);
		});
	}
}

/// Clients that check storage proofs (`ddns-verify`) compute the keys themselves: they must be
/// the keys the pallets use.
#[test]
fn proof_keys_are_the_pallets_keys() {
	use ddns_primitives::registry::keys;
	let name: pallet_ddns_registry::Name = b"alice.ddns".to_vec().try_into().unwrap();
	assert_eq!(keys::name(&name), pallet_ddns_registry::Names::<Runtime>::hashed_key_for(&name));
	assert_eq!(
		keys::records(&name),
		pallet_ddns_registry::Records::<Runtime>::hashed_key_for(&name)
	);
	assert_eq!(
		keys::params(),
		pallet_ddns_registry::RegistryParams::<Runtime>::hashed_key().to_vec()
	);
	assert_eq!(keys::timestamp(), pallet_timestamp::Now::<Runtime>::hashed_key().to_vec());
	assert_eq!(
		keys::grandpa_set_id(),
		pallet_grandpa::CurrentSetId::<Runtime>::hashed_key().to_vec()
	);
	assert_eq!(
		keys::grandpa_authorities(),
		pallet_grandpa::Authorities::<Runtime>::hashed_key().to_vec()
	);
}
