//! Records: setting them, their deposit, and the records the chain refuses.

use super::*;

fn cname(to: &str) -> Record {
	Record::Cname(to.as_bytes().to_vec().try_into().unwrap())
}

#[test]
fn records_are_stored_with_a_deposit_per_byte() {
	build_and_execute(|| {
		register(ALICE, "rec.ddns", ALICE, 1);
		let name_deposit = held(ALICE);
		let list = vec![Record::A([192, 0, 2, 1]), Record::Aaaa([0; 16])];
		let set = records(list.clone());
		assert_ok!(Registry::set_records(RuntimeOrigin::signed(ALICE), n("rec.ddns"), set.clone()));
		let stored = Records::<Test>::get(key("rec.ddns")).unwrap();
		let bytes = "rec.ddns".len() as u64 + codec::Encode::encoded_size(&set) as u64;
		assert_eq!(stored.deposit, 10 + bytes);
		assert_eq!(held(ALICE), name_deposit + stored.deposit);
		assert_eq!(Registry::resolve(b"rec.ddns").unwrap().records, list);
		// Clearing returns the records deposit.
		assert_ok!(Registry::set_records(
			RuntimeOrigin::signed(ALICE),
			n("rec.ddns"),
			records(vec![])
		));
		assert_eq!(held(ALICE), name_deposit);
	});
}

#[test]
fn cname_conflicts_are_refused() {
	build_and_execute(|| {
		register(ALICE, "alias.ddns", ALICE, 1);
		assert_noop!(
			Registry::set_records(
				RuntimeOrigin::signed(ALICE),
				n("alias.ddns"),
				records(vec![cname("target.ddns"), Record::A([1, 2, 3, 4])])
			),
			Error::<Test>::CnameConflict
		);
		assert_ok!(Registry::set_records(
			RuntimeOrigin::signed(ALICE),
			n("alias.ddns"),
			records(vec![cname("target.ddns")])
		));
	});
}

#[test]
fn bad_and_oversize_records_are_refused() {
	build_and_execute(|| {
		register(ALICE, "bad.ddns", ALICE, 1);
		let set = |r: Record| records(vec![r]);
		assert_noop!(
			Registry::set_records(
				RuntimeOrigin::signed(ALICE),
				n("bad.ddns"),
				set(cname("Upper.ddns"))
			),
			Error::<Test>::InvalidRecordTarget
		);
		assert_noop!(
			Registry::set_records(
				RuntimeOrigin::signed(ALICE),
				n("bad.ddns"),
				set(Record::Txt(Default::default()))
			),
			Error::<Test>::InvalidRecord
		);
		let dup = records(vec![Record::A([1, 1, 1, 1]), Record::A([1, 1, 1, 1])]);
		assert_noop!(
			Registry::set_records(RuntimeOrigin::signed(ALICE), n("bad.ddns"), dup),
			Error::<Test>::DuplicateRecord
		);
		// Over a bound: the call still decodes, and is refused with the bound's error.
		let many: Vec<Record> = (0..33u8).map(|i| Record::A([10, 0, 0, i])).collect();
		assert_noop!(
			Registry::set_records(RuntimeOrigin::signed(ALICE), n("bad.ddns"), records(many)),
			Error::<Test>::TooManyRecords
		);
		assert_noop!(
			Registry::set_records(
				RuntimeOrigin::signed(ALICE),
				n("bad.ddns"),
				vec![RecordInput::Txt(vec![b'x'; 481])]
			),
			Error::<Test>::RecordTooLarge
		);
		assert_noop!(
			Registry::set_records(
				RuntimeOrigin::signed(BOB),
				n("bad.ddns"),
				set(Record::A([1, 1, 1, 1]))
			),
			Error::<Test>::NotOwner
		);
	});
}
