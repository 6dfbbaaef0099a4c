//! Names: which spellings the registry accepts, and how calls and lookups refuse the rest.

use super::*;

#[test]
fn non_canonical_names_are_refused_with_their_rule() {
	build_and_execute(|| {
		let cases: [(&str, Error<Test>); 9] = [
			("Example.ddns", Error::Uppercase),
			("example.ddns.", Error::TrailingDot),
			("ex_ample.ddns", Error::InvalidCharacter),
			("-example.ddns", Error::LeadingHyphen),
			("example-.ddns", Error::TrailingHyphen),
			("ab--cd.ddns", Error::ReservedHyphens),
			("example.com", Error::WrongTld),
			("ab.ddns", Error::NameTooShort),
			("api.example.ddns", Error::WrongTld),
		];
		for (name, error) in cases {
			commit(ALICE, name, ALICE);
			assert_noop!(
				Registry::register(RuntimeOrigin::signed(ALICE), n(name), ALICE, SECRET, 1),
				error
			);
		}
		let long_label = format!("{}.ddns", "a".repeat(64));
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(ALICE), n(&long_label), ALICE, SECRET, 1),
			Error::<Test>::LabelTooLong
		);
		assert_eq!(Names::<Test>::iter().count(), 0);
	});
}

#[test]
fn oversize_arguments_decode_and_get_their_error() {
	use codec::{Decode, Encode};
	build_and_execute(|| {
		register(ALICE, "big.ddns", ALICE, 1);
		let long = "a".repeat(250) + ".ddns";
		let origin = || RuntimeOrigin::signed(ALICE);
		assert_noop!(
			Registry::register(origin(), n(&long), ALICE, SECRET, 1),
			Error::<Test>::NameTooLong
		);
		assert_noop!(Registry::renew(origin(), n(&long), 1), Error::<Test>::NameTooLong);
		assert_noop!(Registry::transfer(origin(), n(&long), BOB), Error::<Test>::NameTooLong);
		assert_noop!(Registry::release(origin(), n(&long)), Error::<Test>::NameTooLong);
		assert_noop!(Registry::set_node_key(origin(), n(&long), None), Error::<Test>::NameTooLong);
		assert_noop!(Registry::set_records(origin(), n(&long), vec![]), Error::<Test>::NameTooLong);
		assert_noop!(
			Registry::create_subdomain(origin(), n(&long), n("x"), BOB),
			Error::<Test>::NameTooLong
		);
		assert_noop!(Registry::take_back_subdomain(origin(), n(&long)), Error::<Test>::NameTooLong);
		assert_noop!(Registry::lock_subdomain(origin(), n(&long)), Error::<Test>::NameTooLong);
		assert_noop!(Registry::set_primary(origin(), Some(n(&long))), Error::<Test>::NameTooLong);
		assert_noop!(
			Registry::create_subdomain(origin(), n("big.ddns"), vec![b'a'; 64], BOB),
			Error::<Test>::LabelTooLong
		);

		// What the transaction pool sees: the encoded call decodes, so the error above is
		// what a client gets, not a trap in the decoder.
		let call = RuntimeCall::Registry(Call::set_records {
			name: n(&long),
			records: vec![RecordInput::Txt(vec![b'x'; 600]); 40],
		});
		let decoded = RuntimeCall::decode(&mut &call.encode()[..]).expect("decodes");
		assert_eq!(decoded, call);
	});
}

#[test]
fn resolve_reports_invalid_names_and_unknown_ones() {
	build_and_execute(|| {
		assert_eq!(
			Registry::resolve(b"Example.ddns"),
			Err(LookupError::InvalidName(b"uppercase".to_vec()))
		);
		assert_eq!(Registry::resolve(b"nobody.ddns"), Err(LookupError::NotFound));
	});
}
