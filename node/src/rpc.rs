//! The node's own JSON-RPC methods, added beside Substrate's standard ones.

use std::sync::Arc;

use ddns_rpc::proof::Justifications;
use ddns_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Hash, Nonce};
use jsonrpsee::RpcModule;

type FullBackend = sc_service::TFullBackend<Block>;
use sc_client_api::BlockchainEvents;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the GRANDPA methods and the proofs need.
#[derive(Clone)]
pub struct GrandpaDeps {
	pub shared_voter_state: sc_consensus_grandpa::SharedVoterState,
	pub shared_authority_set: sc_consensus_grandpa::SharedAuthoritySet<Hash, BlockNumber>,
	pub justification_stream: sc_consensus_grandpa::GrandpaJustificationStream<Block>,
	pub finality_provider: Arc<sc_consensus_grandpa::FinalityProofProvider<FullBackend, Block>>,
	/// The newest justifications, for `ddns_resolveWithProof`.
	pub justifications: Arc<Justifications<Hash>>,
	/// Where each ended authority set ended, for `ddns_resolveWithProof`.
	pub set_ends: ddns_rpc::proof::SetEnds,
}

/// What the RPC methods need from the running node.
pub struct FullDeps<C, P> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// GRANDPA's state and justifications.
	pub grandpa: GrandpaDeps,
	/// Runs the subscriptions' tasks.
	pub subscription_executor: sc_rpc::SubscriptionTaskExecutor,
}

/// All RPC extensions of a full node.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ sc_client_api::BlockBackend<Block>
		+ sc_client_api::StorageProvider<Block, FullBackend>
		+ sc_client_api::ProofProvider<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	C::Api: ddns_registry_runtime_api::RegistryApi<Block, AccountId, Balance, BlockNumber>,
	C::Api: ddns_operators_runtime_api::OperatorsApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
{
	use ddns_rpc::{
		operators::{Operators, OperatorsRpcServer},
		proof::{DdnsProof, DdnsProofApiServer},
		Ddns, DdnsApiServer,
	};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool, grandpa, subscription_executor } = deps;
	let mut module = RpcModule::new(());
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Ddns::<C, Block>::new(client.clone()).into_rpc())?;
	module.merge(
		DdnsProof::<C, Block, FullBackend>::new(
			client.clone(),
			grandpa.justifications,
			grandpa.set_ends,
		)
		.into_rpc(),
	)?;
	module.merge(Operators::<C, Block>::new(client).into_rpc())?;
	module.merge(
		Grandpa::new(
			subscription_executor,
			grandpa.shared_authority_set,
			grandpa.shared_voter_state,
			grandpa.justification_stream,
			grandpa.finality_provider,
		)
		.into_rpc(),
	)?;
	Ok(module)
}
