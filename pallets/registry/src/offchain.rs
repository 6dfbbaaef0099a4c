//! The offchain worker's share of endpoint publishing: signing with a node key that lives in the
//! node's keystore (key type `ddns`, ed25519), so that it never leaves the node.
//!
//! A resolver daemon started with `--signer node` writes an [`EndpointRequest`] (its PeerId,
//! addresses and the names it serves) to the node's offchain local storage. At every imported
//! block this worker signs, for each requested name that is Active and whose on-chain node key
//! is in the keystore, a fresh record whenever the epoch, the addresses or the expiry changed or
//! a quarter of the validity has passed (as the daemon re-signs), and leaves it in local storage for the daemon to publish. The
//! daemon publishes only what validates at the finalized head. See `docs/endpoints.md`.
//!
//! # Why it does not check the owner
//!
//! A signature needs two consents, and both are checked:
//! - the operator's: the name is in the request, which only the node's local daemon (or an
//!   unsafe RPC call) can write; a name whose key is in the keystore is never signed for unless
//!   it is requested;
//! - the owner's: the name's on-chain node key is the keystore's. Only the owner sets it
//!   (`set_node_key`), and every change of owner (transfer, take-back, lapse, a new
//!   registration) clears it and moves the epoch on, so the key is always the current owner's
//!   choice, and records signed for an earlier owner stop validating.
//!
//! What is signed is the operator's own PeerId and addresses, nothing of the owner's. So an
//! owner who points a name at a node's key gets nothing unless that node's operator serves the
//! name. This is exactly the rule of the daemon's own signer (`--signer local`). The one case
//! it leaves is an operator's stale request: a name it served changes hands and the new owner
//! sets the same key. Pinning the owner a served name is for belongs in the daemon's `--serve`
//! (for both signers), not here.

use crate::{Config, Lifecycle, Pallet};
use codec::Decode;
use ddns_primitives::endpoint::{
	next_seq, ocw_signed_key, Endpoint, EndpointRequest, MAX_REQUEST_NAMES, OCW_REQUEST_KEY,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::{crypto::KeyTypeId, offchain::StorageKind};
use sp_runtime::traits::{UniqueSaturatedInto, Zero};

/// The keystore key type of node keys.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"ddns");

impl<T: Config> Pallet<T> {
	/// Signs the endpoint records the local daemon asked for (see the module docs).
	pub(crate) fn sign_endpoints(now: BlockNumberFor<T>) {
		let Some(raw) =
			sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, OCW_REQUEST_KEY)
		else {
			return;
		};
		let Ok(request) = EndpointRequest::decode(&mut &raw[..]) else {
			log::warn!(target: "ddns", "undecodable endpoint request in offchain storage");
			return;
		};
		let keys = sp_io::crypto::ed25519_public_keys(KEY_TYPE);
		if keys.is_empty() {
			return;
		}
		let now: u32 = now.unique_saturated_into();
		// Block 1 recorded its parent's hash; frame-system keeps block 0's forever.
		let Ok(genesis) = <[u8; 32]>::try_from(
			frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()).as_ref(),
		) else {
			return;
		};
		let validity = request.validity_blocks.max(2);
		for name in request.names.iter().take(MAX_REQUEST_NAMES) {
			let Ok(view) = Self::resolve(name) else { continue };
			let Some(node_key) = view.node_key.filter(|_| view.state == Lifecycle::Active) else {
				continue;
			};
			let Some(public) = keys.iter().find(|k| k.0 == node_key) else { continue };
			let expires: u32 = view.expires_at.unique_saturated_into();
			let valid_until = now.saturating_add(validity).min(expires);
			if valid_until <= now {
				continue;
			}
			let slot = ocw_signed_key(name);
			let stored = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &slot);
			let old =
				stored.as_deref().and_then(|wire| Endpoint::from_wire(wire).ok()).map(|(e, _)| e);
			let current = old.as_ref().is_some_and(|o| {
				o.epoch == view.epoch
					&& o.peer_id == request.peer_id
					&& o.addrs == request.addrs
					&& o.valid_until <= expires
					&& valid_until.saturating_sub(o.valid_until) < validity / 4
			});
			if current {
				continue;
			}
			// The imported block's number, not the finalized one's: the worker runs per import,
			// and the counter of `next_seq` keeps it growing if a reorg goes back a block.
			let seq = next_seq(now, old.map_or(0, |o| o.seq));
			let endpoint = Endpoint {
				name: name.clone(),
				epoch: view.epoch,
				seq,
				valid_until,
				peer_id: request.peer_id.clone(),
				addrs: request.addrs.clone(),
			};
			let Some(signature) =
				sp_io::crypto::ed25519_sign(KEY_TYPE, public, &endpoint.signing_payload(&genesis))
			else {
				continue;
			};
			let signature: [u8; 64] = signature.0;
			match endpoint.to_wire(&signature) {
				// Workers of sibling blocks run at once: write only over what this one read, so
				// a slower worker never replaces a newer record with an older one.
				Ok(wire) => {
					if sp_io::offchain::local_storage_compare_and_set(
						StorageKind::PERSISTENT,
						&slot,
						stored,
						&wire,
					) {
						log::info!(target: "ddns", "signed an endpoint record, epoch {}, seq {seq}", view.epoch);
					}
				},
				Err(e) => log::warn!(target: "ddns", "endpoint request refused: {}", e.code()),
			}
		}
	}
}
