// Package economy is the hand-written layer over the generated economy client
// (client/economy): the economy program as deployed on one cluster with the registry and the
// IO and IOSD mints. Program derives its addresses and builds every instruction with its
// accounts resolved and addressed to the deployed id; DefaultParams, DefaultLimits and the
// emission schedule constants are the launch configuration. Import it next to the generated
// package as oneconomy (see onchain/registry).
package economy
