// Package actions serves gpunet's Solana Actions (the Blinks convention): GET /actions.json maps
// the explorer's URLs to the actions; each action answers GET with its metadata (type, icon,
// title, description, label, links.actions and their parameters) and POST {account} with an
// unsigned base64 transaction whose fee payer is account, and a message. Every answer carries
// the specified headers (X-Action-Version, X-Blockchain-Ids) and CORS, and OPTIONS is answered
// for every path. Three actions:
//
//   - stake on a device: registry stake of an amount of IO from the owner's IO account (only the
//     device's owner can stake on it; anyone else gets 403 not_owner);
//   - rent N GPUs of a class: the scheduler picks the devices (a scheduler.Source: the chain, or
//     the indexer's devices table), and one transaction creates and funds the escrow job
//     (create_job) and proposes the devices (assign_devices), as internal/renter's deploy does;
//   - claim rewards: economy claim_rewards of a device's attested, unpaid rewards to its owner's
//     IO account (permissionless: any wallet may pay the fee; the owner is paid).
//
// What a wallet's single signature cannot do: a job's spec, whose SHA-256 is the job's
// requirements hash, names the renter's per-job X25519 key (the Ray token is sealed to it) and
// is published to the oracles' relay signed by the renter (jobrelay.PublishSpec). A wallet holds
// neither the X25519 key nor a way to sign the relay's request from a Blink. So the rent action
// takes the renter's per-job public key as a parameter (renterKey, 64 hex), funds the job and
// proposes the devices; the answer carries the exact spec body (spec, base64) and the message
// and the next action say how to publish it: the devices accept only once the spec is on a relay,
// within the escrow's acceptance window, else the job can be cancelled for a full refund.
//
// Refusals are RFC 9457 problem+json with a stable reason and the Actions' ActionError message.
package actions
