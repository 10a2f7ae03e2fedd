package chaintest

import (
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/gpunet/gpunet/client/registry"
)

// ProofPayer is the oracle that paid for p's vote account of window (its rent goes back
// there), or otherwise when the window has no open account. One direct call: chain.Client's
// AccountData retries a missing account for seconds.
func (e *Env) ProofPayer(p Provider, window uint64, otherwise solana.PublicKey) solana.PublicKey {
	info, err := e.Client.RPC.GetAccountInfoWithOpts(e.Ctx, e.Registry.ProofAddress(p.Device, window), &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	if err != nil || info.Value == nil {
		return otherwise
	}
	w, err := registry.ParseAccount_ProofWindow(info.Value.Data.GetBinary())
	if err != nil {
		return otherwise
	}
	return w.Payer
}

// CountProof has payer (any wallet) count p's window after its voting deadline, the rent going
// back to the window's payer.
func (e *Env) CountProof(payer solana.PrivateKey, p Provider, window uint64) (solana.Signature, error) {
	ix := Must(e.Registry.CountProof(p.DeviceKey.PublicKey(), window, e.ProofPayer(p, window, payer.PublicKey())))
	return e.Client.Send(e.Ctx, []solana.Instruction{ix}, payer)
}
