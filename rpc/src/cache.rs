//! Answers of runtime calls, kept per block and shared by every connection and subscription.
//!
//! An answer at a given block never changes, so every answer is kept, found or not: a view, a
//! price, "nobody holds this name" and "this is not a name" alike. Only a failed runtime call
//! (code 4500, e.g. state pruned) is not kept, since it may not fail again.
//!
//! Concurrent askers of the same key share one computation: the first runs it, the others wait
//! for its answer (on their blocking threads). So N requests or N subscriptions for one name
//! at one block cost one runtime call, whether they arrive together or one after another.
//!
//! The cache is bounded by bytes ([`Cache::new`]): each entry weighs about the heap it holds
//! ([`weight`], at least the length of its JSON) plus a fixed [`ENTRY_OVERHEAD`]; the least
//! recently used entries go first.

use std::{
	collections::HashMap,
	hash::Hash,
	sync::{Arc, OnceLock},
};

use jsonrpsee::types::ErrorObjectOwned;
use parking_lot::Mutex;
use schnellru::{Limiter, LruMap};
use serde_json::Value;

/// What a runtime call answered, as the RPC answers it (without `at`).
pub type Answer = Result<Value, ErrorObjectOwned>;

/// Bytes charged per entry besides its key and answer: the map's links, the `Arc`, the
/// allocator's rounding.
pub const ENTRY_OVERHEAD: usize = 128;

/// The approximate heap a key holds, in bytes.
pub trait Weigh {
	fn weigh(&self) -> usize;
}

/// The approximate heap a JSON value holds, in bytes: a `Value` per node, the bytes of every
/// string and object key. Always at least the length of the value's JSON text.
pub fn weight(value: &Value) -> usize {
	size_of::<Value>()
		+ match value {
			Value::String(s) => s.len(),
			Value::Array(items) => items.iter().map(weight).sum(),
			Value::Object(map) => {
				map.iter().map(|(k, v)| size_of::<String>() + k.len() + weight(v)).sum()
			},
			Value::Null | Value::Bool(_) | Value::Number(_) => 0,
		}
}

fn answer_weight(answer: &Answer) -> usize {
	match answer {
		Ok(value) => weight(value),
		Err(e) => {
			size_of::<ErrorObjectOwned>()
				+ e.message().len()
				+ e.data().map_or(0, |d| d.get().len())
		},
	}
}

/// A kept answer and what it weighs.
struct Kept {
	answer: Arc<Answer>,
	bytes: usize,
}

/// Limits an [`LruMap`] to a number of bytes, as its entries weigh.
struct ByBytes {
	max: usize,
	used: usize,
}

impl<K> Limiter<K, Kept> for ByBytes {
	type KeyToInsert<'a> = K;
	type LinkType = u32;

	fn is_over_the_limit(&self, _length: usize) -> bool {
		self.used > self.max
	}

	fn on_insert(&mut self, _length: usize, key: K, value: Kept) -> Option<(K, Kept)> {
		if value.bytes > self.max {
			return None;
		}
		self.used += value.bytes;
		Some((key, value))
	}

	fn on_replace(
		&mut self,
		_length: usize,
		_old_key: &mut K,
		_new_key: K,
		old: &mut Kept,
		new: &mut Kept,
	) -> bool {
		if new.bytes > self.max {
			// The old entry is removed (`on_removed` takes its bytes back).
			return false;
		}
		self.used = self.used - old.bytes + new.bytes;
		true
	}

	fn on_removed(&mut self, _key: &mut K, value: &mut Kept) {
		self.used -= value.bytes;
	}

	fn on_cleared(&mut self) {
		self.used = 0;
	}

	fn on_grow(&mut self, _new_memory_usage: usize) -> bool {
		true
	}
}

/// A computation under way: the answer, and whether it may be kept.
type Slot = Arc<OnceLock<(Arc<Answer>, bool)>>;

struct Inner<K: Hash + Eq> {
	kept: LruMap<K, Kept, ByBytes>,
	pending: HashMap<K, Slot>,
}

/// Answers by key, bounded by bytes; see the module documentation.
pub struct Cache<K: Hash + Eq> {
	inner: Mutex<Inner<K>>,
}

impl<K: Hash + Eq + Clone + Weigh> Cache<K> {
	/// A cache that keeps at most `max_bytes` of answers and keys.
	pub fn new(max_bytes: usize) -> Self {
		Self {
			inner: Mutex::new(Inner {
				kept: LruMap::new(ByBytes { max: max_bytes, used: 0 }),
				pending: HashMap::new(),
			}),
		}
	}

	/// The kept answer for `key`, if any. Never waits for a computation, so it may be called
	/// from async code.
	pub fn get(&self, key: &K) -> Option<Arc<Answer>> {
		self.inner.lock().kept.get(key).map(|kept| kept.answer.clone())
	}

	/// The answer for `key`: the kept one, or the one a concurrent caller is computing (this
	/// waits for it: call from a blocking thread), or `compute`'s. `compute` says whether its
	/// answer may be kept; it may return an `Arc` it already holds (an equal earlier answer), so
	/// that equal answers of successive blocks are one `Arc`.
	pub fn get_or_compute(
		&self,
		key: K,
		compute: impl FnOnce() -> (Arc<Answer>, bool),
	) -> Arc<Answer> {
		let slot = {
			let mut inner = self.inner.lock();
			if let Some(kept) = inner.kept.get(&key) {
				return kept.answer.clone();
			}
			inner.pending.entry(key.clone()).or_default().clone()
		};
		let (answer, keep) = slot.get_or_init(compute).clone();
		let mut inner = self.inner.lock();
		// The first to come back moves the answer from `pending` to `kept`.
		if inner.pending.get(&key).is_some_and(|pending| Arc::ptr_eq(pending, &slot)) {
			inner.pending.remove(&key);
			if keep {
				let bytes = ENTRY_OVERHEAD + key.weigh() + answer_weight(&answer);
				inner.kept.insert(key, Kept { answer: answer.clone(), bytes });
			}
		}
		answer
	}

	/// Bytes the kept answers weigh, and how many there are.
	pub fn usage(&self) -> (usize, usize) {
		let inner = self.inner.lock();
		(inner.kept.limiter().used, inner.kept.len())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::code;
	use serde_json::json;
	use std::sync::atomic::{AtomicUsize, Ordering};

	impl Weigh for (u32, String) {
		fn weigh(&self) -> usize {
			size_of::<Self>() + self.1.len()
		}
	}

	fn not_found() -> Answer {
		Err(ErrorObjectOwned::owned(
			code::NOT_FOUND,
			"nobody-here.ddns is not registered",
			None::<()>,
		))
	}

	#[test]
	fn a_missing_name_asked_twice_costs_one_call() {
		let cache = Cache::new(1 << 20);
		let calls = AtomicUsize::new(0);
		let ask = || {
			cache.get_or_compute((1, "nobody-here.ddns".into()), || {
				calls.fetch_add(1, Ordering::SeqCst);
				(Arc::new(not_found()), true)
			})
		};
		let first = ask();
		let second = ask();
		assert_eq!(calls.load(Ordering::SeqCst), 1);
		assert!(Arc::ptr_eq(&first, &second));
		assert_eq!(second.as_ref().as_ref().unwrap_err().code(), code::NOT_FOUND);
		// At another block it is another question.
		cache.get_or_compute((2, "nobody-here.ddns".into()), || {
			calls.fetch_add(1, Ordering::SeqCst);
			(Arc::new(not_found()), true)
		});
		assert_eq!(calls.load(Ordering::SeqCst), 2);
	}

	#[test]
	fn a_failed_runtime_call_is_not_kept() {
		let cache = Cache::new(1 << 20);
		let calls = AtomicUsize::new(0);
		for _ in 0..2 {
			cache.get_or_compute((1, "a.ddns".into()), || {
				calls.fetch_add(1, Ordering::SeqCst);
				let e = ErrorObjectOwned::owned(code::RUNTIME, "state pruned", None::<()>);
				(Arc::new(Err(e)), false)
			});
		}
		assert_eq!(calls.load(Ordering::SeqCst), 2);
		assert_eq!(cache.usage(), (0, 0));
	}

	#[test]
	fn concurrent_askers_share_one_call() {
		// As N subscriptions of one name do at each finalized block, or N clients at once.
		let cache = Arc::new(Cache::new(1 << 20));
		let calls = Arc::new(AtomicUsize::new(0));
		let barrier = Arc::new(std::sync::Barrier::new(32));
		let threads: Vec<_> = (0..32)
			.map(|_| {
				let (cache, calls, barrier) = (cache.clone(), calls.clone(), barrier.clone());
				std::thread::spawn(move || {
					barrier.wait();
					cache.get_or_compute((7, "popular.ddns".into()), || {
						calls.fetch_add(1, Ordering::SeqCst);
						std::thread::sleep(std::time::Duration::from_millis(100));
						(Arc::new(Ok(json!({ "name": "popular.ddns" }))), true)
					})
				})
			})
			.collect();
		let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
		assert_eq!(calls.load(Ordering::SeqCst), 1);
		assert!(answers.iter().all(|a| Arc::ptr_eq(a, &answers[0])));
		assert_eq!(cache.usage().1, 1);
	}

	#[test]
	fn the_cache_is_bounded_by_bytes_not_entries() {
		let budget = 64 * 1024;
		let cache = Cache::new(budget);
		let big = |n: u32| {
			Arc::new(Ok(
				json!({ "records": [{ "type": "TXT", "value": "x".repeat(4_000) }], "n": n }),
			))
		};
		for n in 0..100 {
			cache.get_or_compute((n, "big.ddns".into()), || (big(n), true));
		}
		let (used, len) = cache.usage();
		assert!(used <= budget, "{used} bytes kept");
		assert!(used > budget / 2, "{used} bytes kept");
		// 100 entries of 4 kB cannot fit in 64 kB: a count bound alone would keep them all.
		assert!((10..=16).contains(&len), "{len} entries kept");
		// The newest stay, the oldest went.
		assert!(cache.get(&(99, "big.ddns".into())).is_some());
		assert!(cache.get(&(0, "big.ddns".into())).is_none());
		// An answer bigger than the whole budget is answered but not kept.
		let huge = Arc::new(Ok(json!("y".repeat(budget))));
		let got = cache.get_or_compute((1_000, "huge.ddns".into()), || (huge.clone(), true));
		assert!(Arc::ptr_eq(&got, &huge));
		assert!(cache.get(&(1_000, "huge.ddns".into())).is_none());
		assert!(cache.usage().0 <= budget);
		// A JSON value weighs at least its text.
		let value = big(1);
		let value = value.as_ref().as_ref().unwrap();
		assert!(weight(value) >= serde_json::to_string(value).unwrap().len());
	}
}
