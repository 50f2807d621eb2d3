/* `supervm`: git-style subcommands over the node and its JSON-RPC API. This file holds the
 * command table, argument parsing, help, and the helpers every subcommand shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/bench_exec.h"

static const char *const o_none[] = {NULL};
static const char *const o_devnet[] = {"data", "listen", "ws", "block-ms", "rpc-threads", "exec-threads", "log", NULL};
static const char *const o_node[] = {"config", "log", NULL};
static const char *const o_testnet[] = {"validators", "dir", "rpc-port", "p2p-port", "block-ms", "log", "init!", NULL};
static const char *const o_out[] = {"out", NULL};
/* The signing options of every transaction command (cli_txspec_opts). */
#define O_TX "from", "fee-limit", "tip", "nonce", "wait!", "timeout-ms"
static const char *const o_xfer[] = {O_TX, "to", "amount", "token", "expiry-blocks", NULL};
static const char *const o_faucet[] = {"data", "to", "amount", "token", "tip", "fee-limit", "nonce",
				       "expiry-blocks", "wait!", "timeout-ms", NULL};
static const char *const o_token[] = {"token", NULL};
static const char *const o_block[] = {"full!", NULL};
static const char *const o_contract[] = {O_TX, "attach", "token", NULL};
static const char *const o_attest[] = {"vcek", "chain", "collateral", "at", "max-status", NULL};
static const char *const o_dclaim[] = {"from", "module", "export", "args", "gas", "k", "bond",
				       "corrupt-step", NULL};
static const char *const o_dplay[] = {"from", "module", "corrupt-step", "once!", "no-guard!", "no-cache!",
				      "poll-ms", "timeout-ms", NULL};
static const char *const o_fmspc[] = {"fmspc", NULL};
static const char *const o_updater[] = {"from", "proposal", NULL};
static const char *const o_propose[] = {"from", "deposit", NULL};
static const char *const o_propose_pins[] = {"from", "deposit", "amd-ark", "intel-root", NULL};
static const char *const o_indexer[] = {"pg", "from", "until", NULL};
static const char *const o_bench[] = {"data", "txs", "senders", "clients", "batch", "rate", "timeout-ms", "spread", "latencies", NULL};

static const char *const o_model[] = {"from", "name", "version", "weights", "code", "tee-measurement", NULL};
static const char *const o_provider[] = {"from", "bond", NULL};
static const char *const o_unbond[] = {"from", "amount", NULL};
static const char *const o_challenge[] = {"from", "force!", NULL};
static const char *const o_post[] = {"from", "model", "input", "price", "units", "replicas",
				     "sla-blocks", "deadline-blocks", "min-jobs", "level", "buy-aic", NULL};
static const char *const o_from[] = {"from", NULL};
static const char *const o_worker[] = {"key", "models", "lie!", "poll-ms", "from-height", "trace-k",
				       "tee-test-key", NULL};
static const char *const o_jdispute[] = {"from", "provider", "force!", NULL};
/* The economy's commands (cmd_econ.c): signing options, then each command's own. */
#define O_ECON_TX O_TX
#define H_ECON_TX \
	"  --from KEYFILE    signing key (pays the fee)\n" \
	"  --fee-limit N     most SWR the transaction may cost (default 1000000)\n" \
	"  --wait            wait for the receipt and print its status and fee\n"
static const char *const o_pool_create[] = {O_ECON_TX, "fee", "amount-x", "amount-y", "min-shares", NULL};
static const char *const o_pool_add[] = {O_ECON_TX, "fee", "max-x", "max-y", "min-shares", NULL};
static const char *const o_pool_remove[] = {O_ECON_TX, "fee", "shares", "min-x", "min-y", NULL};
static const char *const o_fee[] = {"fee", NULL};
static const char *const o_quote[] = {"fee", "amount", "exact-out!", NULL};
static const char *const o_swap[] = {O_ECON_TX, "fee", "amount", "min-out", "max-in", "exact-out!", NULL};
static const char *const o_vreg[] = {O_ECON_TX, "consensus-key", "vrf-key", "commission", "bond", NULL};
static const char *const o_econ_tx[] = {O_ECON_TX, NULL};
static const char *const o_evidence[] = {O_ECON_TX, "evidence", NULL};
static const char *const o_amount[] = {O_ECON_TX, "amount", NULL};
static const char *const o_restore[] = {O_ECON_TX, "object", "amount", NULL};
static const char *const o_shares[] = {O_ECON_TX, "shares", NULL};
static const char *const o_gov_submit[] = {O_ECON_TX, "kind", "deposit", "set", "height", "version", "to",
					   "amount", "text", NULL};
static const char *const o_gov_vote[] = {O_ECON_TX, "validator", "option", NULL};
/* The confidential wallet (cmd_conf.c, docs/privacy.md). */
#define O_CONF_TX "from", "fee-limit", "wait!", "timeout-ms", "token", "amount"
#define H_CONF_TX \
	"  --from KEYFILE    signing key (pays the fee; its seed is the wallet's key)\n" \
	"  --amount N        base units, or 1.5SWR style whole tokens\n" \
	"  --token T         SWR (default), AIC or a 64-hex token id\n" \
	"  --wait            wait for the receipt and print its status and fee\n"
static const char *const o_conf_key[] = {"key", NULL};
static const char *const o_conf_key_view[] = {"key", "view", NULL};
static const char *const o_conf_view_import[] = {"view-key", "out", NULL};
static const char *const o_conf_ki_export[] = {"key", "out", NULL};
static const char *const o_conf_ki_import[] = {"view", "in", NULL};
static const char *const o_conf_deposit[] = {O_CONF_TX, "to", NULL};
static const char *const o_conf_send[] = {O_CONF_TX, "to", "ring", "input", "relay", NULL};
static const char *const o_conf_relay[] = {"key", "listen", "fee", "token", "fee-limit", "max-in-flight", "per-client", "max-connections", NULL};
static const char *const o_conf_withdraw[] = {O_CONF_TX, "ring", "input", NULL};

static const cli_cmd_t commands[] = {
	{"devnet", "run a one-validator development chain (creates it on first use)",
	 "devnet [--data DIR] [--listen HOST:PORT] [--block-ms N]",
	 "  --data DIR        data directory (default $SUPERVM_DATA or ~/.supervm/devnet); a new one\n"
	 "                    gets a genesis and keys/faucet.json, keys/validator.json\n"
	 "  --listen HOST:PORT JSON-RPC listen address (default 127.0.0.1:8545; the old spelling\n"
	 "                    `devnet --rpc HOST:PORT` still works, with a deprecation note)\n"
	 "  --ws HOST:PORT    also serve WebSocket subscriptions there (svm_subscribe; off by default)\n"
	 "  --block-ms N      this node's own slot in milliseconds, overriding the chain's governed\n"
	 "                    slot_ms (default 0: the governed slot, 500 ms in a new devnet's\n"
	 "                    genesis, which a passed proposal changes without a restart)\n"
	 "  --rpc-threads N   RPC event-loop threads (default: cores, at most 4)\n"
	 "  --exec-threads N  execution threads (default: cores)\n"
	 "  --log LEVEL       debug, info, warn or error (default info)\n"
	 "SIGINT or SIGTERM stops it cleanly; started again it continues from its last block.\n",
	 o_devnet, 0, 0, cli_cmd_devnet, NULL},
	{"node", "run a validator from a JSON config file", "node --config FILE",
	 "  --config FILE     node configuration (docs/node.md lists the keys)\n"
	 "  --log LEVEL       debug, info, warn or error (default info)\n",
	 o_node, 0, 0, cli_cmd_node, NULL},
	{"testnet", "run a local network of validators, each its own process (creates it on first use)",
	 "testnet [--validators N] [--dir DIR] [--rpc-port P] [--p2p-port P] [--block-ms N]",
	 "  --validators N    validators (default 4, at most 16)\n"
	 "  --dir DIR         network directory (default ~/.supervm/testnet): genesis.json,\n"
	 "                    faucet.json, and vI/{config.json,keys,data,node.log} per validator\n"
	 "  --rpc-port P      JSON-RPC of validator I on 127.0.0.1:P+I (default 8645)\n"
	 "  --p2p-port P      peer transport of validator I on 127.0.0.1:P+I (default 26656)\n"
	 "  --block-ms N      the genesis's governed slot_ms in milliseconds (default 200; a new\n"
	 "                    network only: it paces every validator until a proposal changes it)\n"
	 "  --init            create the directory and exit (start nodes with supervm node --config)\n"
	 "  --log LEVEL       the validators' log level\n"
	 "Ctrl-C stops every validator; started again it resumes the same network.\n",
	 o_testnet, 0, 0, cli_cmd_testnet, NULL},
	{"keys new", "create a new Ed25519 key file (mode 0600)", "keys new --out FILE",
	 "  --out FILE        where to write the key (refuses to overwrite)\n", o_out, 0, 0,
	 cli_cmd_keys_new, NULL},
	{"keys show", "print the identity and public key of a key file", "keys show FILE", "", o_none,
	 1, 1, cli_cmd_keys_show, NULL},
	{"faucet", "get devnet funds from the node's faucet (svm_requestFaucet)",
	 "faucet --to ID --amount N [--token SWR|AIC]",
	 "  --to ID           recipient identity (64 hex)\n"
	 "  --amount N        base units, or SWR/AIC with decimals: 1.5SWR (1 SWR = 10^9 units)\n"
	 "  --token T         SWR (default) or AIC\n"
	 "  --data DIR        sign here with DIR/keys/faucet.json instead of asking the node\n"
	 "  --wait            wait for the receipt; then print status and fee\n"
	 "  (and the transfer options --tip, --fee-limit, --nonce, --expiry-blocks, --timeout-ms)\n",
	 o_faucet, 0, 0, cli_cmd_faucet, NULL},
	{"transfer", "sign and submit a native transfer; prints the transaction id",
	 "transfer --from KEYFILE --to ID --amount N [--token T] [--wait]",
	 "  --from KEYFILE    the sender's key file\n"
	 "  --to ID           recipient identity (64 hex)\n"
	 "  --amount N        base units, or SWR/AIC with decimals: 1.5SWR (1 SWR = 10^9 units)\n"
	 "  --token T         SWR (default), AIC or a 64-hex token id\n"
	 "  --tip N           tip to the proposer in SWR units (default 0)\n"
	 "  --fee-limit N     most the sender pays in fees (default 100000)\n"
	 "  --nonce N         default: the account's next nonce counting its pending transactions\n"
	 "  --expiry-blocks N the transaction expires N blocks after the head (default 1000)\n"
	 "  --wait            wait for the receipt; then print status and fee\n"
	 "  --timeout-ms N    how long --wait waits (default 30000)\n",
	 o_xfer, 0, 0, cli_cmd_transfer, NULL},
	{"balance", "balance of an identity", "balance ID [--token T]",
	 "  --token T         SWR (default), AIC or a 64-hex token id\n", o_token, 1, 1, cli_cmd_balance, NULL},
	{"account", "nonce and balances of an identity", "account ID", "", o_none, 1, 1, cli_cmd_account, NULL},
	{"address link", "link an identity's derived EVM address to it (anyone may; docs/evm.md)",
	 "address link ID --from KEYFILE [--wait]",
	 "  ID                the identity (64 hex) whose derived address EVM code then sees as its account\n"
	 "  --wait            wait for the receipt; then print status and fee\n",
	 (const char *const[]){O_TX, NULL}, 1, 1, cli_cmd_address_link, NULL},
	{"address", "an identity's derived EVM address, or the identity an EVM address stands for",
	 "address ID | address 0xADDRESS",
	 "  ID                64 hex: prints its derived EVM address (computed here)\n"
	 "  0xADDRESS         40 hex: asks the node (svm_getEvmAddressIdentity) and prints the identity\n"
	 "                    and how it is known: linked, indexed, or the address's own\n",
	 o_none, 1, 1, cli_cmd_address, NULL},
	{"token create", "create a user token of the unified ledger; prints the transaction and the token id",
	 "token create --from KEYFILE --symbol S --supply N [--decimals D] [--wait]",
	 "  --symbol S        1 to 16 bytes (need not be unique: the token is known by its id)\n"
	 "  --decimals D      0 to 19 (default 0); amounts of it are then shown and parsed with them\n"
	 "  --supply N        whole tokens with up to D decimals (1000.5), or base units with a u (10005u);\n"
	 "                    all of it goes to the creator\n"
	 "  --wait            wait for the receipt; then print status and fee\n",
	 (const char *const[]){O_TX, "symbol", "decimals", "supply", NULL}, 0, 0, cli_cmd_token_create, NULL},
	{"token show", "a token's symbol, decimals and supply", "token show TOKEN", "", o_none, 1, 1,
	 cli_cmd_token_show, NULL},
	{"tx", "a transaction by id (pending or committed): what it does, decoded, and its receipt",
	 "tx HASH", "", o_none, 1, 1, cli_cmd_tx, NULL},
	{"indexer", "follow the node into PostgreSQL: blocks, transactions, receipts, events, balance changes",
	 "indexer --pg CONNINFO [--from N] [--until N]",
	 "  --pg CONNINFO     libpq connection string, e.g. 'host=127.0.0.1 dbname=supervm'\n"
	 "  --from N          first height when the database is new (default 0)\n"
	 "  --until N         stop after indexing height N (default: follow forever)\n"
	 "Resumable: one database transaction per block, with its position; kill it at any point and\n"
	 "start it again. A node or database that goes away is retried until it returns.\n",
	 o_indexer, 0, 0, cli_cmd_indexer, NULL},
	{"completion", "print a shell completion script", "completion bash",
	 "  load it with: source <(supervm completion bash)\n", o_none, 1, 1, cli_cmd_completion, NULL},
	{"receipt", "a receipt and its Merkle proof, verified here against the block's receipts root",
	 "receipt HASH", "", o_none, 1, 1, cli_cmd_receipt, NULL},
	{"block", "a block by height", "block N|latest [--full]",
	 "  --full            include whole transactions, not only their ids\n", o_block, 1, 1,
	 cli_cmd_block, NULL},
	{"status", "height, state root, mempool size, recent tx/s, consensus round, QC, peers, leader", "status", "", o_none, 0, 0,
	 cli_cmd_status, NULL},
	{"proof", "state proof of a balance (or any object), verified here against the state root",
	 "proof ID [--token T] | proof --object OBJECT_ID",
	 "  --token T         the balance's token: SWR (default), AIC or 64 hex\n"
	 "  --object ID       prove this object id instead of a balance\n",
	 (const char *const[]){"token", "object", NULL}, 0, 1, cli_cmd_proof, NULL},
	{"contract deploy", "deploy a WebAssembly contract; with --wait prints the contract id",
	 "contract deploy FILE.wasm --from KEYFILE [--wait]",
	 "  --from KEYFILE    signing key (pays the fee)\n"
	 "  --fee-limit N     most SWR the deploy may cost (default 10000000)\n"
	 "  --wait            wait for the receipt; its return data is the contract id\n",
	 o_contract, 1, 1, cli_cmd_contract_deploy, NULL},
	{"contract call", "call a contract method",
	 "contract call ID METHOD [ARGS...] --from KEYFILE [--attach N [--token T]] [--wait]",
	 "  ARGS              concatenated into the input: 0x… raw bytes, 64 hex digits an id,\n"
	 "                    a decimal number a little-endian u64\n"
	 "  --from KEYFILE    signing key (the caller)\n"
	 "  --attach N        move N of --token (default SWR) to the contract before the call\n"
	 "                    (base units, or SWR/AIC with decimals: 0.5SWR)\n"
	 "  --fee-limit N     most SWR the call may cost (default 10000000)\n"
	 "  --wait            wait for the receipt and print status, fee and return data\n",
	 o_contract, 2, CLI_ARGS_MAX, cli_cmd_contract_call, NULL},
	{"model register", "register a model: weights chunks, inference module, manifest (docs/ai-market.md)",
	 "model register --from KEYFILE --name NAME --weights FILE.svq8 --code FILE.wasm [--version N] "
	 "[--tee-measurement HEX[,HEX…]]",
	 "  --weights FILE    SVQ8 int8 model (e.g. models/fmnist/fmnist-mlp.svq8)\n"
	 "  --code FILE       inference module (e.g. build/ai/infer.wasm)\n"
	 "  --tee-measurement HEX[,HEX…]  SNP MEASUREMENTs / TDX MRTDs (48 bytes, up to 8) a\n"
	 "                    high-value job's TEE evidence may carry\n"
	 "Prints the model id once every transaction is in.\n",
	 o_model, 0, 0, cli_cmd_model_register, NULL},
	{"model show", "a registered model's manifest", "model show ID", "", o_none, 1, 1,
	 cli_cmd_model_show, NULL},
	{"provider register", "bond SWR as a compute provider", "provider register --from KEYFILE --bond N",
	 "  --bond N          SWR base units added to the bond (≥ 1 SWR bonded to accept jobs)\n",
	 o_provider, 0, 0, cli_cmd_provider_register, NULL},
	{"provider show", "a provider's bond and reputation", "provider show ID", "", o_none, 1, 1,
	 cli_cmd_provider_show, NULL},
	{"provider unbond", "start withdrawing bonded SWR (only with no job open)",
	 "provider unbond --from KEYFILE --amount N",
	 "  --amount N        SWR base units of the bond; withdrawable after ai_unbond_blocks and\n"
	 "                    slashable until then\n",
	 o_unbond, 0, 0, cli_cmd_provider_unbond, NULL},
	{"provider withdraw", "take back unbonded SWR once its delay is over",
	 "provider withdraw --from KEYFILE", "", o_from, 0, 0, cli_cmd_provider_withdraw, NULL},
	{"job post", "post an inference job, escrowing units·price·replicas AIC; prints the job id",
	 "job post --from KEYFILE --model ID --input FILE --price N [--units N] [--replicas K]",
	 "  --input FILE      the input bytes (≤ 4096; the model's input length)\n"
	 "  --price N         AIC per unit per replica\n"
	 "  --replicas K      providers that must agree (default 3)\n"
	 "  --deadline-blocks N  commit deadline from now (default 20)\n"
	 "  --sla-blocks N    expected latency (default 10); --min-jobs N reputation required\n"
	 "  --level L         standard (default), auditable or high-value (docs/verification.md)\n"
	 "  --buy-aic MAX     first buy the escrow's AIC with at most MAX SWR (base units) from\n"
	 "                    the SWR/AIC pool (fee tier 30 bps, seeded by the devnet)\n",
	 o_post, 0, 0, cli_cmd_job_post, NULL},
	{"job status", "a job: state, replicas, result and answer", "job status ID", "", o_none, 1, 1,
	 cli_cmd_job_status, NULL},
	{"job settle", "settle a job (majority of k) once revealed or past its reveal window",
	 "job settle ID --from KEYFILE", "", o_from, 1, 1, cli_cmd_job_settle, NULL},
	{"job challenge", "re-execute a settled job here; if its result is wrong, have the chain "
	 "re-execute it (ai_challenge_bond SWR at stake)",
	 "job challenge ID --from KEYFILE [--force]",
	 "  --force           send the challenge even when the local re-execution agrees with the\n"
	 "                    result (the chain will too, and burn the challenge bond)\n",
	 o_challenge, 1, 1, cli_cmd_job_challenge, NULL},
	{"job claim", "close a settled job: pay, slash, refund", "job claim ID --from KEYFILE", "",
	 o_from, 1, 1, cli_cmd_job_claim, NULL},
	{"job dispute", "run an auditable job here in the stepper; if a provider's output differs, "
	 "dispute its trace by bisection (prints the claim id for `dispute play`)",
	 "job dispute ID --from KEYFILE [--provider ID] [--force]",
	 "  --provider ID     the provider whose trace is disputed (default: the first whose output\n"
	 "                    differs from the local run, not proven wrong nor disputed by this key;\n"
	 "                    other challengers' open disputes do not stop this one)\n"
	 "  --force           dispute even when the local run agrees (the bond will be lost)\n",
	 o_jdispute, 1, 1, cli_cmd_job_dispute, NULL},
	{"worker", "serve AI jobs: accept, infer in the VM, commit, reveal, settle, claim",
	 "worker --key KEYFILE [--models DIR] [--lie] [--tee-test-key DIR]",
	 "  --key KEYFILE     the provider's key (bond it first: provider register)\n"
	 "  --models DIR      local cache of model weights by hash\n"
	 "  --lie             lie (tests): flip the last output byte of a standard job; corrupt one\n"
	 "                    step of an auditable job's run (its trace then bisects to that step)\n"
	 "  --trace-k K       steps between an auditable job's checkpoints (default 4096)\n"
	 "  --poll-ms N       poll interval (default 100)\n"
	 "  --tee-test-key DIR  TEST ONLY: serve high-value jobs with SEV-SNP evidence signed by the\n"
	 "                    test VCEK key in DIR (report.bin, vcek.der, vcek.key); only a chain\n"
	 "                    whose genesis or governance pins that test root accepts it\n"
	 "without --tee-test-key, high-value jobs are not served: they need TEE evidence, and the\n"
	 "worker has no enclave (docs/verification.md)\n",
	 o_worker, 0, 0, cli_cmd_worker, NULL},
	{"bench load", "load generator: signed transfers through RPC; committed tx/s and latency",
	 "bench load [--txs N] [--senders N] [--clients N] [--batch N]",
	 "  --txs N           transfers to send (default 20000)\n"
	 "  --senders N       funded sender keys, created and funded by the faucet (default 200)\n"
	 "  --clients N       concurrent connections (default 4)\n"
	 "  --batch N         transactions per JSON-RPC batch (default 100)\n"
	 "  --rate N          offer N tx/s in total (default 0: as fast as the node acknowledges)\n"
	 "  --spread URLS     comma-separated node URLs: client i sends to the i-th (round-robin)\n"
	 "  --latencies FILE  write one line per committed transfer: submit and commit time (ms of the\n"
	 "                    monotonic clock the nodes' logs use) and its client, to match with logs\n"
	 "  --data DIR        devnet data directory holding keys/faucet.json\n"
	 "  --timeout-ms N    give up waiting for commits after N ms (default 120000)\n",
	 o_bench, 0, 0, cli_cmd_bench_load, NULL},
	{"attest verify", "verify an SEV-SNP report or a TDX quote offline (docs/attestation.md)",
	 "attest verify FILE [--vcek DER --chain PEM | --collateral JSON] [--at TIME]",
	 "  FILE              an SNP report (0x4A0 bytes, or its hex) or a TDX DCAP quote (v4/v5)\n"
	 "  --vcek DER        SNP: the VCEK or VLEK certificate\n"
	 "  --chain PEM       SNP: AMD's ASK and ARK (cert_chain)\n"
	 "  --collateral JSON TDX: TCB info, QE identity, CRLs and chains (dcap-qvl's JSON form)\n"
	 "  --at TIME         verify as of TIME (YYYY-MM-DDTHH:MM:SSZ or unix seconds; default now)\n"
	 "  --max-status S    TDX: worst TCB status accepted (default SWHardeningNeeded)\n"
	 "Exit: 0 verified, 1 rejected, 2 usage, 3 outside a validity window, 4 genuine but not\n"
	 "accepted (TCB status, revoked, unpinned root), 5 TDX quote verified without collateral.\n",
	 o_attest, 1, 1, cli_cmd_attest_verify, NULL},
	{"attest collateral", "the attestation collateral the chain holds (docs/verification.md)",
	 "attest collateral [--fmspc HEX]",
	 "  --fmspc HEX       also the TDX collateral of this platform (12 hex digits)\n",
	 o_fmspc, 0, 0, cli_cmd_attest_collateral_show, NULL},
	{"attest updater", "install the collateral updater (by the updater, or a passed proposal)",
	 "attest updater ID --from KEYFILE [--proposal ID]",
	 "  --proposal ID     an executed governance text proposal whose body is\n"
	 "                    SHA-256(\"svm/attest/updater\" ‖ ID ‖ u64be epoch)\n",
	 o_updater, 1, 1, cli_cmd_attest_updater, NULL},
	{"attest propose-updater", "submit the governance text proposal that installs an updater",
	 "attest propose-updater ID --deposit N --from KEYFILE", "", o_propose, 1, 1,
	 cli_cmd_attest_propose_updater, NULL},
	{"attest propose-pins", "submit a governance proposal replacing the pinned attestation roots",
	 "attest propose-pins [--amd-ark H,H…] [--intel-root H,H…] --deposit N --from KEYFILE",
	 "  --amd-ark LIST    SHA-256 of each AMD ARK certificate's DER (64 hex digits, at most 8)\n"
	 "  --intel-root LIST SHA-256 of each Intel root CA's DER (at most 8); at least one pin in all\n"
	 "Executed, the proposal replaces the chain's pins from that block on (docs/attestation.md).\n",
	 o_propose_pins, 0, 0, cli_cmd_attest_propose_pins, NULL},
	{"attest put-snp", "store an AMD ASK/ARK chain as chain state (from the updater)",
	 "attest put-snp PEM --from KEYFILE", "", o_from, 1, 1, cli_cmd_attest_put_snp, NULL},
	{"attest put-tdx", "store TDX collateral as chain state (from the updater)",
	 "attest put-tdx JSON --from KEYFILE",
	 "  JSON              TCB info, QE identity, CRLs and chains (dcap-qvl's JSON form)\n",
	 o_from, 1, 1, cli_cmd_attest_put_tdx, NULL},
	{"dispute claim", "commit to a WebAssembly run's trace and bond SWR; prints the claim id",
	 "dispute claim --from KEYFILE --module WASM --export NAME [--args A,B] [--gas N] [--k K] "
	 "[--bond AMOUNT]",
	 "  --module WASM     the module (stored with put_code first when the chain lacks it)\n"
	 "  --export NAME     the function run; --args its i32/i64 arguments (decimal)\n"
	 "  --gas N           gas of the run (default 2^30)\n"
	 "  --k K             steps between checkpoints (default 4096)\n"
	 "  --bond AMOUNT     SWR bonded (default and minimum 1 SWR)\n"
	 "  --corrupt-step N  add 1 to the top of the stack after step N (tests: a cheat)\n",
	 o_dclaim, 0, 0, cli_cmd_dispute_claim, NULL},
	{"dispute challenge", "dispute a claim in a game of this key's own, bonding as much as the "
	 "claimant; prints the game id",
	 "dispute challenge CLAIM --from KEYFILE", "", o_from, 1, 1, cli_cmd_dispute_challenge, NULL},
	{"dispute play", "play this key's side of a dispute to its end (or one move with --once)",
	 "dispute play ID --from KEYFILE [--module WASM] [--once]",
	 "  ID                a game, a job's claim, or a claim: its claimant then defends every\n"
	 "                    game of it through the claim's window and takes the bond back after\n"
	 "                    it; a challenger plays its own game\n"
	 "  --no-guard        the claimant of a claim returns once no game is open\n"
	 "  --module WASM     this party's copy of the module (its hash must be the claim's); a\n"
	 "                    job's dispute reads the job's module, model and input from the chain\n"
	 "  --once            make at most one move (or timeout) per game and return\n"
	 "  --poll-ms N       poll interval while the other party moves (default 100)\n"
	 "  --timeout-ms N    give up after N ms (default 600000)\n"
	 "  --corrupt-step N  this party's machine adds 1 to the top after step N (tests)\n"
	 "  --no-cache        re-run from step 0 for every move instead of from the nearest kept\n"
	 "                    checkpoint (the measurement's baseline; --json reports steps_run)\n",
	 o_dplay, 1, 1, cli_cmd_dispute_play, NULL},
	{"dispute timeout", "decide a game whose mover missed its deadline, or release a claim's "
	 "bond after its window (anyone)",
	 "dispute timeout ID --from KEYFILE", "", o_from, 1, 1, cli_cmd_dispute_timeout, NULL},
	{"dispute show", "a claim (its games, window) or a game (whose move, the interval, deadlines)",
	 "dispute show ID", "", o_none, 1, 1, cli_cmd_dispute_show, NULL},
	{"bench exec", "execution-kernel benchmark: one block, 1 vs K threads (docs/aoem.md)",
	 "bench exec [--workload W] [--accounts N] [--txs T] [--threads K] [--blocks B]",
	 "  --workload W      uniform, zipf, all-to-one, shared, mixed, amm-pools, amm-hot, stake\n"
	 "                    or gov-vote (default uniform)\n"
	 "  --accounts N      accounts in the genesis state (default 10000)\n"
	 "  --txs T           transactions in the block (default 10000)\n"
	 "  --threads K       worker threads (default: cores)\n"
	 "  --blocks B        repetitions (default 10)\n"
	 "  --mode M          strict or dynamic access declarations (default strict)\n"
	 "  --sigs            include decoding and signature verification\n"
	 "  --cold            measure each block right after one on the other thread count\n"
	 "                    (default: after an unmeasured warm-up block on the same one)\n"
	 "  --json            one JSON object per row on its last line\n"
	 "  --seed S          workload seed\n"
	 "  --econ            the economy's rows (amm-pools, amm-hot, stake, gov-vote, uniform) and\n"
	 "                    a summary against the issue's targets, with gas per transaction\n"
	 "                    (docs/economics.md)\n"
	 "With no options it prints the standard table of docs/aoem.md.\n",
	 o_none, 0, 0, NULL, svm_cli_bench_exec},
	{"conf address", "the confidential wallet's address of a key file (docs/privacy.md)",
	 "conf address --key KEYFILE | --view VIEWFILE", "", o_conf_key_view, 0, 0, cli_cmd_conf_address, NULL},
	{"conf view-key", "export the wallet's view key: it lists incoming outputs and amounts, cannot spend",
	 "conf view-key --key KEYFILE", "", o_conf_key, 0, 0, cli_cmd_conf_view_key, NULL},
	{"conf view-import", "make a view-only wallet file from a view key (for conf list --view)",
	 "conf view-import --view-key HEX --out FILE",
	 "  --view-key HEX    128 hex digits, as 'conf view-key' prints\n"
	 "  --out FILE        the view-only wallet file to create (mode 0600; never overwritten)\n",
	 o_conf_view_import, 0, 0, cli_cmd_conf_view_import, NULL},
	{"conf export-key-images", "export the key images of the wallet's outputs, for its view-only wallet",
	 "conf export-key-images --key KEYFILE --out FILE",
	 "  --out FILE        the key-image file to create (mode 0600; never overwritten)\n"
	 "  whoever holds it sees which of these outputs are spent (and in which transaction)\n",
	 o_conf_ki_export, 0, 0, cli_cmd_conf_export_key_images, NULL},
	{"conf import-key-images", "give a view-only wallet the key images to tell spent outputs",
	 "conf import-key-images --view VIEWFILE --in FILE",
	 "  --in FILE         as 'conf export-key-images' writes; every image is checked against\n"
	 "                    the wallet's own output (all or nothing)\n",
	 o_conf_ki_import, 0, 0, cli_cmd_conf_import_key_images, NULL},
	{"conf list", "scan the chain for the wallet's confidential outputs; list them with their openings",
	 "conf list --key KEYFILE | --view VIEWFILE",
	 "  the cache KEYFILE.conf.json (scanned height, outputs, decoys) is rebuilt if deleted\n"
	 "  --view VIEWFILE   a view-only wallet: amounts received; spends only with imported key images\n",
	 o_conf_key_view, 0, 0, cli_cmd_conf_list, NULL},
	{"conf deposit", "move a public balance into a confidential output (to yourself or --to ADDRESS)",
	 "conf deposit --from KEYFILE --amount N [--token T] [--to ADDRESS]",
	 "  --to ADDRESS      a confidential address (default: the key's own)\n" H_CONF_TX,
	 o_conf_deposit, 0, 0, cli_cmd_conf_deposit, NULL},
	{"conf send", "send confidentially: inputs hidden in rings of outputs, amount and token hidden",
	 "conf send --from KEYFILE --to ADDRESS --amount N [--token T] [--ring K]",
	 "  --to ADDRESS      the recipient's confidential address\n"
	 "  --ring K          members per ring, the spent output among K - 1 decoys (default 11, ≤ 16)\n"
	 "  --input ID        spend this output first (even one already spent: the chain refuses it)\n"
	 "  --relay URL       have a relay (conf relay) submit it: the relay is the sender and is paid its\n"
	 "                    fee from the inputs (in --token, revealed); --from signs nothing, pays nothing\n" H_CONF_TX,
	 o_conf_send, 0, 0, cli_cmd_conf_send, NULL},
	{"conf relay", "submit others' ring spends as this key's transactions, paid a fee from their inputs",
	 "conf relay --key KEYFILE --listen HOST:PORT --fee N [--token T] [--max-in-flight N] [--per-client N]\n"
	 "           [--max-connections N]",
	 "  --key KEYFILE     the relayer's key (its public account pays each transaction's fee)\n"
	 "  --listen H:P      where to serve relay_info and relay_submit (JSON-RPC)\n"
	 "  --fee N           what a relayed spend must pay the relay (a public withdraw to it)\n"
	 "  --token T         the token of that fee (SWR default); relayed sends are in that token\n"
	 "  --fee-limit N     each transaction's fee limit\n"
	 "  --max-in-flight N spends served at once, past which a submission is refused (default 4, ≤ 14)\n"
	 "  --per-client N    of those, from one client address (default 1)\n"
	 "  --max-connections N  connections open at once, past which one is answered 503 and closed\n"
	 "                    (default 64, ≤ 512)\n"
	 "  runs until SIGINT/SIGTERM; checks, signs, simulates on the node, submits only what succeeds\n",
	 o_conf_relay, 0, 0, cli_cmd_conf_relay, NULL},
	{"conf withdraw", "move confidential outputs back to the public balance (the amount is revealed)",
	 "conf withdraw --from KEYFILE --amount N [--token T] [--ring K]",
	 "  --ring K          members per ring (default 11, ≤ 16)\n"
	 "  --input ID        spend this output first\n" H_CONF_TX,
	 o_conf_withdraw, 0, 0, cli_cmd_conf_withdraw, NULL},
	{"params", "the governed parameters at the head (docs/economics.md)", "params", "", o_none, 0, 0,
	 cli_cmd_params, NULL},
	{"pool create", "create a constant-product pool and deposit its first liquidity",
	 "pool create TOKEN_X TOKEN_Y --fee BPS --amount-x N --amount-y N --from KEYFILE",
	 "  TOKEN_X TOKEN_Y   SWR, AIC or 64-hex token ids (any order)\n"
	 "  --fee BPS         the pool's fee in basis points (≤ amm_fee_bps_max)\n"
	 "  --min-shares N    fail unless at least N shares are minted\n" H_ECON_TX,
	 o_pool_create, 2, 2, cli_cmd_pool_create, NULL},
	{"pool add", "add liquidity (takes at most --max-x/--max-y at the pool's ratio)",
	 "pool add TOKEN_X TOKEN_Y --fee BPS --max-x N --max-y N --from KEYFILE",
	 "  --min-shares N    fail unless at least N shares are minted\n" H_ECON_TX,
	 o_pool_add, 2, 2, cli_cmd_pool_add, NULL},
	{"pool remove", "burn liquidity shares for the pool's tokens",
	 "pool remove TOKEN_X TOKEN_Y --fee BPS --shares N --from KEYFILE",
	 "  --min-x N --min-y N  fail unless at least these amounts come out\n" H_ECON_TX,
	 o_pool_remove, 2, 2, cli_cmd_pool_remove, NULL},
	{"pool show", "a pool's reserves, shares and LP token", "pool show TOKEN_X TOKEN_Y --fee BPS", "",
	 o_fee, 2, 2, cli_cmd_pool_show, NULL},
	{"pool quote", "what a swap gives (or, with --exact-out, costs) at the head's reserves",
	 "pool quote TOKEN_IN TOKEN_OUT --fee BPS --amount N [--exact-out]", "", o_quote, 2, 2,
	 cli_cmd_pool_quote, NULL},
	{"swap", "swap through a pool: exact in with --min-out, or --exact-out with --max-in",
	 "swap TOKEN_IN TOKEN_OUT --fee BPS --amount N [--min-out N | --exact-out --max-in N] --from KEYFILE",
	 "  --amount N        the input (exact in) or the output (with --exact-out)\n"
	 "  --min-out N       fail unless at least N come out (default 0)\n"
	 "  --max-in N        with --exact-out: fail if it costs more than N\n" H_ECON_TX,
	 o_swap, 2, 2, cli_cmd_swap, NULL},
	{"validator register", "register the signing key's identity as a validator",
	 "validator register --consensus-key HEX --vrf-key HEX --bond N [--commission BPS] --from KEYFILE",
	 "  --consensus-key HEX  Ed25519 public key it signs votes with (64 hex digits)\n"
	 "  --vrf-key HEX     its VRF public key (64 hex digits)\n"
	 "  --bond N          self-bond in SWR base units\n"
	 "  --commission BPS  share of its rewards kept by the operator (default 0)\n" H_ECON_TX,
	 o_vreg, 0, 0, cli_cmd_validator_register, NULL},
	{"validator show", "a validator's record", "validator show OPERATOR", "", o_none, 1, 1,
	 cli_cmd_validator_show, NULL},
	{"validator unjail", "unjail the signing key's validator after its jail delay",
	 "validator unjail --from KEYFILE", H_ECON_TX, o_econ_tx, 0, 0, cli_cmd_validator_unjail, NULL},
	{"validator evidence", "submit double-sign evidence against a validator",
	 "validator evidence OPERATOR --evidence HEX --from KEYFILE",
	 "  --evidence HEX    key ‖ epoch ‖ height ‖ round ‖ kind ‖ hash1 ‖ sig1 ‖ hash2 ‖ sig2, as\n"
	 "                    svm_getEvidence lists it under \"staking\" (docs/economics.md)\n" H_ECON_TX,
	 o_evidence, 1, 1, cli_cmd_validator_evidence, NULL},
	{"validator report", "submit the slashing transaction for every double-sign the node holds",
	 "validator report --from KEYFILE",
	 "  what svm_getEvidence lists (found by the node's consensus or received from peers), each\n"
	 "  in its staking form against its operator; prints a summary on stderr\n" H_ECON_TX,
	 o_econ_tx, 0, 0, cli_cmd_validator_report, NULL},
	{"rent pay", "prepay a contract storage slot's rent (whole epochs, to the treasury)",
	 "rent pay CONTRACT KEY --amount N --from KEYFILE",
	 "  KEY               the storage key: text, or 0x… hex\n"
	 "  --amount N        SWR base units; whole epochs of rent_rho·size are taken, and a payment\n"
	 "                    covering rent_horizon_epochs ahead exempts the slot at its value's\n"
	 "                    length; an exempt slot pays for the bytes it grew past it only\n" H_ECON_TX,
	 o_amount, 2, 2, cli_cmd_rent_pay, NULL},
	{"rent evict", "evict a slot unpaid past the grace period (rewarded from the treasury)",
	 "rent evict CONTRACT KEY --from KEYFILE", H_ECON_TX, o_econ_tx, 2, 2, cli_cmd_rent_evict, NULL},
	{"rent restore", "restore an evicted slot from its bytes, paying its rent again",
	 "rent restore CONTRACT KEY --object HEX --amount N --from KEYFILE",
	 "  --object HEX      the object's bytes before the eviction (svm_getProof's \"object\"); their\n"
	 "                    SHA-256 must be the tombstone's\n"
	 "  --amount N        rent to prepay (at least one epoch's)\n" H_ECON_TX,
	 o_restore, 2, 2, cli_cmd_rent_restore, NULL},
	{"rent show", "a slot's rent: size, billed bytes, per epoch, paid until, exempt, evictable from, tombstone",
	 "rent show CONTRACT KEY", "", o_none, 2, 2, cli_cmd_rent_show, NULL},
	{"validators", "registered validators and the active set", "validators", "", o_none, 0, 0,
	 cli_cmd_validators, NULL},
	{"stake delegate", "bond SWR to a validator", "stake delegate OPERATOR --amount N --from KEYFILE",
	 H_ECON_TX, o_amount, 1, 1, cli_cmd_stake_delegate, NULL},
	{"stake undelegate", "unbond shares (claimable after the unbonding delay)",
	 "stake undelegate OPERATOR --shares N --from KEYFILE", H_ECON_TX, o_shares, 1, 1,
	 cli_cmd_stake_undelegate, NULL},
	{"stake claim", "collect unbonded SWR that is due", "stake claim OPERATOR --from KEYFILE", H_ECON_TX,
	 o_econ_tx, 1, 1, cli_cmd_stake_claim, NULL},
	{"stake redelegate", "move shares' worth to another validator at once",
	 "stake redelegate FROM TO --shares N --from KEYFILE", H_ECON_TX, o_shares, 2, 2,
	 cli_cmd_stake_redelegate, NULL},
	{"stake epoch", "process the epoch (rewards, active set) once it has begun",
	 "stake epoch --from KEYFILE", H_ECON_TX, o_econ_tx, 0, 0, cli_cmd_stake_epoch, NULL},
	{"stake show", "a delegation's shares, value and pending unbondings",
	 "stake show OPERATOR DELEGATOR", "", o_none, 2, 2, cli_cmd_stake_show, NULL},
	{"gov submit", "submit a proposal with a deposit; with --wait prints its id",
	 "gov submit --kind params|upgrade|treasury|text --deposit N ... --from KEYFILE",
	 "  --set NAME=V[,…]  params: the changes (names as `supervm params` shows them)\n"
	 "  --height H --version V  upgrade: nodes not running V stop at height H\n"
	 "  --to ID --amount N  treasury: the spend\n"
	 "  --text STRING     text: its SHA-256 is recorded\n" H_ECON_TX,
	 o_gov_submit, 0, 0, cli_cmd_gov_submit, NULL},
	{"gov vote", "vote with your validator's stake or your delegation's",
	 "gov vote PROPOSAL --validator OPERATOR --option yes|no|abstain --from KEYFILE", H_ECON_TX,
	 o_gov_vote, 1, 1, cli_cmd_gov_vote, NULL},
	{"gov execute", "execute a passed proposal after its voting period", "gov execute PROPOSAL --from KEYFILE",
	 H_ECON_TX, o_econ_tx, 1, 1, cli_cmd_gov_execute, NULL},
	{"gov close", "close a failed proposal (deposit back, or to the treasury without quorum)",
	 "gov close PROPOSAL --from KEYFILE", H_ECON_TX, o_econ_tx, 1, 1, cli_cmd_gov_close, NULL},
	{"gov show", "a proposal, its tally and whether it passes", "gov show PROPOSAL", "", o_none, 1, 1,
	 cli_cmd_gov_show, NULL},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const char *global_help =
	"global options (every command, before or after it):\n"
	"  --rpc URL         node to talk to (default $SUPERVM_RPC or http://127.0.0.1:8545)\n"
	"  --json            print results as JSON (for scripts); errors too: {\"error\": {...}}\n"
	"  --help            this command's help\n"
	"  --version         the version of supervm\n";

const cli_cmd_t *cli_commands(size_t *n)
{
	*n = sizeof commands / sizeof commands[0];
	return commands;
}

static void usage_all(FILE *f)
{
	fprintf(f, "usage: supervm COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n%s\nRun 'supervm COMMAND --help' for a command's options.\n", global_help);
}

static void usage_cmd(FILE *f, const cli_cmd_t *c)
{
	fprintf(f, "usage: supervm %s\n\n%s\n\n%s%s", c->usage, c->summary, c->help, global_help);
}

/* ------------------------------------------------------------- helpers */

const char *cli_opt(const cli_args_t *a, const char *name)
{
	for (size_t i = 0; i < a->n_opts; i++)
		if (strcmp(a->opts[i].name, name) == 0) return a->opts[i].value;
	return NULL;
}

bool cli_flag(const cli_args_t *a, const char *name)
{
	for (size_t i = 0; i < a->n_opts; i++)
		if (strcmp(a->opts[i].name, name) == 0) return true;
	return false;
}

int cli_fail(const cli_args_t *a, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_print_error(a, code, msg);
	return code;
}

int cli_u64(const cli_args_t *a, const char *what, const char *s, uint64_t *out)
{
	char *end;
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return cli_fail(a, CLI_EXIT_USAGE, "%s must be a non-negative integer, not '%s'", what, s ? s : "");
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != 0 || errno == ERANGE)
		return cli_fail(a, CLI_EXIT_USAGE, "%s must be a non-negative integer below 2^64, not '%s'", what, s);
	*out = v;
	return 0;
}

int cli_hash(const cli_args_t *a, const char *what, const char *s, svm_hash_t *out)
{
	if (s == NULL || svm_hash_from_hex(out, s) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "%s must be 64 hex digits, not '%s'", what, s ? s : "");
	return 0;
}

int cli_client(cli_args_t *a, svm_rpc_client_t **out)
{
	const char *url = a->rpc_url ? a->rpc_url : getenv("SUPERVM_RPC");
	if (url == NULL || url[0] == 0) url = "http://127.0.0.1:8545";
	svm_error_t err = {0};
	if (svm_rpc_client_new(out, url, 30000, &err) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "%s (give --rpc http://HOST:PORT)", err.msg);
	return 0;
}

int cli_call(cli_args_t *a, svm_rpc_client_t *c, const char *method, json_t *params, json_t **result)
{
	svm_error_t err = {0};
	int code = 0;
	int rc = svm_rpc_call(c, method, params, result, &code, &err);
	if (rc == 0) return 0;
	a->rpc_code = code;
	if (rc == SVM_EIO)
		return cli_fail(a, CLI_EXIT_FAIL,
				"%s (is the node running? start one with 'supervm devnet', or point at one with "
				"--rpc URL or $SUPERVM_RPC)",
				err.msg);
	return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
}

void cli_print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
	if (s) puts(s);
	svm_free(s);
}

const char *cli_default_data_dir(void)
{
	static char buf[1024];
	const char *d = getenv("SUPERVM_DATA");
	if (d && d[0]) return d;
	const char *home = getenv("HOME");
	snprintf(buf, sizeof buf, "%s/.supervm/devnet", home && home[0] ? home : ".");
	return buf;
}

uint64_t cli_ju64(json_t *v)
{
	if (json_is_integer(v)) return (uint64_t)json_integer_value(v);
	if (json_is_string(v)) return strtoull(json_string_value(v), NULL, 10);
	return 0;
}

/* --------------------------------------------------------------- parse */

static bool known_option(const cli_cmd_t *c, const char *name, bool *is_flag)
{
	size_t n = strlen(name);
	for (const char *const *o = c->options; *o; o++) {
		size_t m = strlen(*o);
		bool flag = m > 0 && (*o)[m - 1] == '!';
		if ((flag ? m - 1 : m) == n && strncmp(*o, name, n) == 0) {
			*is_flag = flag;
			return true;
		}
	}
	return false;
}

static int parse_args(const cli_cmd_t *c, int argc, char **argv, cli_args_t *a)
{
	for (int i = 0; i < argc; i++) {
		char *s = argv[i];
		if (strncmp(s, "--", 2) != 0 || s[2] == 0) {
			if (a->n_pos == CLI_ARGS_MAX) return cli_fail(a, CLI_EXIT_USAGE, "too many arguments");
			a->pos[a->n_pos++] = s;
			continue;
		}
		char *name = s + 2, *value = NULL, *eq = strchr(name, '=');
		if (eq) *eq = 0, value = eq + 1;
		bool flag = false;
		if (strcmp(name, "json") == 0 && !value) {
			a->json = true;
			continue;
		}
		/* `devnet --rpc HOST:PORT` was the listen address: now --listen (the old spelling works,
		 * with a note); everywhere else --rpc is the node's URL. */
		if (strcmp(c->name, "devnet") == 0 && (strcmp(name, "rpc") == 0 || strcmp(name, "rpc-addr") == 0)) {
			if (strcmp(name, "rpc") == 0)
				fprintf(stderr, "supervm devnet: --rpc HOST:PORT is deprecated, use --listen HOST:PORT\n");
			name = "listen";
		}
		bool global_rpc = strcmp(name, "rpc") == 0;
		if (!global_rpc && !known_option(c, name, &flag))
			return cli_fail(a, CLI_EXIT_USAGE, "unknown option --%s (see 'supervm %s --help')", name, c->name);
		if (!flag && value == NULL) {
			if (i + 1 >= argc) return cli_fail(a, CLI_EXIT_USAGE, "option --%s needs a value", name);
			value = argv[++i];
		}
		if (flag && value != NULL) return cli_fail(a, CLI_EXIT_USAGE, "option --%s takes no value", name);
		if (global_rpc) {
			a->rpc_url = value;
			continue;
		}
		if (cli_opt(a, name) != NULL || (flag && cli_flag(a, name)))
			return cli_fail(a, CLI_EXIT_USAGE, "option --%s given twice", name);
		if (a->n_opts == CLI_ARGS_MAX) return cli_fail(a, CLI_EXIT_USAGE, "too many options");
		a->opts[a->n_opts].name = name;
		a->opts[a->n_opts].value = value;
		a->n_opts++;
	}
	if (a->n_pos < c->pos_min || a->n_pos > c->pos_max)
		return cli_fail(a, CLI_EXIT_USAGE, "usage: supervm %s", c->usage);
	return 0;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
	return false;
}

/* Global options before the command (`supervm --rpc URL --json balance ID`, as git and the
 * solana CLI take them) are moved out of argv into g; the command then sees the rest. */
typedef struct {
	const char *rpc_url;
	bool json, version;
} globals_t;

static int hoist_globals(int *argc, char **argv, globals_t *g)
{
	int i = 1;
	while (i < *argc && strncmp(argv[i], "--", 2) == 0) {
		const char *s = argv[i] + 2;
		if (strcmp(s, "json") == 0) g->json = true;
		else if (strcmp(s, "version") == 0) g->version = true;
		else if (strncmp(s, "rpc=", 4) == 0) g->rpc_url = s + 4;
		else if (strcmp(s, "rpc") == 0 && i + 1 < *argc) g->rpc_url = argv[++i];
		else if (strcmp(s, "rpc") == 0) {
			cli_print_error(&(cli_args_t){.json = g->json}, CLI_EXIT_USAGE, "option --rpc needs a URL");
			return CLI_EXIT_USAGE;
		} else break; /* --help and the like: handled below */
		i++;
	}
	int k = i - 1; /* drop argv[1..k] */
	for (int j = i; j <= *argc; j++) argv[j - k] = argv[j];
	*argc -= k;
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	globals_t g = {0};
	if (hoist_globals(&argc, argv, &g) != 0) return CLI_EXIT_USAGE;
	if (g.version || (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)))
		return cli_print_version(g.json || (argc >= 3 && strcmp(argv[2], "--json") == 0));
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc >= 3 && strcmp(argv[1], "help") == 0 && argv[2][0] != '-') { /* help CMD [SUB] */
			char name[64];
			bool sub = argc >= 4 && argv[3][0] != '-';
			snprintf(name, sizeof name, "%s%s%s", argv[2], sub ? " " : "", sub ? argv[3] : "");
			for (size_t i = 0; i < N_COMMANDS; i++)
				if (strcmp(commands[i].name, name) == 0 || strcmp(commands[i].name, argv[2]) == 0) {
					usage_cmd(stdout, &commands[i]);
					return 0;
				}
			fprintf(stderr, "supervm: no command '%s'\n", name);
			return CLI_EXIT_USAGE;
		}
		usage_all(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	/* Two-word commands ("keys new", "bench load") first, then one-word ones. */
	const cli_cmd_t *c = NULL;
	int used = 0;
	if (argc >= 3) {
		char two[64];
		snprintf(two, sizeof two, "%s %s", argv[1], argv[2]);
		for (size_t i = 0; i < N_COMMANDS && !c; i++)
			if (strcmp(commands[i].name, two) == 0) c = &commands[i], used = 2;
	}
	for (size_t i = 0; i < N_COMMANDS && !c; i++)
		if (strcmp(commands[i].name, argv[1]) == 0) c = &commands[i], used = 1;
	if (c == NULL) {
		bool group = false;
		for (size_t i = 0; i < N_COMMANDS; i++) {
			size_t n = strlen(argv[1]);
			if (strncmp(commands[i].name, argv[1], n) == 0 && commands[i].name[n] == ' ') {
				if (!group) fprintf(stderr, "supervm %s: needs a subcommand:\n", argv[1]);
				fprintf(stderr, "  supervm %s\n", commands[i].usage);
				group = true;
			}
		}
		if (!group) {
			char msg[200];
			snprintf(msg, sizeof msg, "'%.100s' is not a command; see 'supervm help'", argv[1]);
			cli_print_error(&(cli_args_t){.json = g.json}, CLI_EXIT_USAGE, msg);
		}
		return CLI_EXIT_USAGE;
	}
	if (wants_help(argc - 1 - used, argv + 1 + used)) {
		usage_cmd(stdout, c);
		return 0;
	}
	if (c->run_argv != NULL) /* argv[0] is the command's name, its options follow */
		return c->run_argv(argc - used, argv + used);
	cli_args_t a = {.cmd = c->name, .json = g.json, .rpc_url = g.rpc_url};
	int rc = parse_args(c, argc - 1 - used, argv + 1 + used, &a);
	if (rc != 0) return rc;
	return c->run(&a);
}
