// Package registry is the hand-written layer over the generated registry client
// (client/registry): the registry program as deployed on one cluster. Program derives its
// addresses and builds every instruction with its accounts resolved and addressed to the
// deployed id (the generated builders take every account and use the IDL's localnet id),
// and fetches its accounts through internal/chain; DefaultParams and DefaultLimits are the
// launch configuration.
//
// The packages under onchain/ are where gpunet's own daemons, tools and tests talk to the
// programs; code outside this module uses client/ directly. Import it next to the generated
// package as onregistry:
//
//	import (
//		"github.com/gpunet/gpunet/client/registry"
//		onregistry "github.com/gpunet/gpunet/onchain/registry"
//	)
package registry
