package chaintest

import (
	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
)

// ProofPayer is the oracle that paid for p's vote account of window (its rent goes back
// there), or otherwise when the window has no open account.
func (e *Env) ProofPayer(p Provider, window uint64, otherwise solana.PublicKey) solana.PublicKey {
	accounts, err := e.Client.Accounts(e.Ctx, []solana.PublicKey{e.Registry.ProofAddress(p.Device, window)})
	if err != nil || accounts[0] == nil {
		return otherwise
	}
	w, err := registry.ParseAccount_ProofWindow(accounts[0].Data)
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
