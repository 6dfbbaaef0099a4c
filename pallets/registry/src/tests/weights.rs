//! Weights: what each call is charged.

use super::*;
use crate::WeightInfo;

#[test]
fn a_fresh_registration_pays_the_plain_weight_and_a_takeover_the_worst() {
	build_and_execute(|| {
		commit(ALICE, "cheap.ddns", ALICE);
		run_to(now() + 2);
		let info =
			Registry::register(RuntimeOrigin::signed(ALICE), n("cheap.ddns"), ALICE, SECRET, 1)
				.unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::register()));
		run_to(expiry("cheap.ddns") + 20);
		commit(BOB, "cheap.ddns", BOB);
		run_to(now() + 2);
		let info = Registry::register(RuntimeOrigin::signed(BOB), n("cheap.ddns"), BOB, SECRET, 1)
			.unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::register_lapsed()));
	});
}
