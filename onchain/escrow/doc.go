// Package escrow is the hand-written layer over the generated escrow client (client/escrow):
// the escrow program as deployed on one cluster with the registry and economy it works with.
// Program derives its addresses and builds every instruction with its accounts resolved and
// addressed to the deployed id; DefaultParams and DefaultLimits are the launch configuration.
// Import it next to the generated package as onescrow (see onchain/registry).
package escrow
