package devnet

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/cli"
	"github.com/gpunet/gpunet/internal/keyfile"
	"github.com/gpunet/gpunet/internal/localdev"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/renter"
)

// DevRenterFunds is what make dev keeps the dev renter wallet funded with, at each start: SOL
// for fees and rent, IO and IOSD for jobs.
var DevRenterFunds = localdev.Amounts{Lamports: 10 * solana.LAMPORTS_PER_SOL, IO: 1_000 * economy.IO, IOSD: 1_000 * economy.IOSD}

var sol = cli.Token{Symbol: "SOL", Decimals: 9}

// Renter is make dev's DEV-ONLY renter wallet, for the renter commands (`gpunet jobs -k Key`).
type Renter struct {
	Key         string           `json:"key"` // its keypair file, mode 0600
	Address     solana.PublicKey `json:"address"`
	IOAccount   solana.PublicKey `json:"io_account"`
	IOSDAccount solana.PublicKey `json:"iosd_account"`
}

// fundRenter creates the dev renter's keypair file at path once (a new key, kept across
// starts) and tops its SOL, IO and IOSD up to DevRenterFunds from the localnet's faucet. It
// returns the wallet and what it did, for the progress line.
func fundRenter(ctx context.Context, net *network.Network, keys localdev.Keys, path string) (*Renter, string, error) {
	key, err := keyfile.Load(path)
	if errors.Is(err, os.ErrNotExist) {
		key = solana.NewWallet().PrivateKey
		err = keyfile.Save(path, key)
	}
	if err != nil {
		return nil, "", fmt.Errorf("dev renter: %w", err)
	}
	r := &Renter{Key: path, Address: key.PublicKey()}
	if r.IOAccount, _, err = solana.FindAssociatedTokenAddress(r.Address, net.Mints.IO); err != nil {
		return nil, "", err
	}
	if r.IOSDAccount, _, err = solana.FindAssociatedTokenAddress(r.Address, net.Mints.IOSD); err != nil {
		return nil, "", err
	}
	lamports, err := net.Client.Balance(ctx, r.Address)
	if err != nil {
		return nil, "", fmt.Errorf("dev renter: %w", err)
	}
	short := localdev.Amounts{Lamports: DevRenterFunds.Lamports - min(lamports, DevRenterFunds.Lamports)}
	for _, t := range []struct {
		account    solana.PublicKey
		want       uint64
		short      *uint64
		descriptor string
	}{{r.IOAccount, DevRenterFunds.IO, &short.IO, "IO"}, {r.IOSDAccount, DevRenterFunds.IOSD, &short.IOSD, "IOSD"}} {
		held, err := renter.ReadTokenAccount(ctx, net.Client, t.account)
		if err != nil && !errors.Is(err, chain.ErrAccountNotFound) {
			return nil, "", fmt.Errorf("dev renter's %s: %w", t.descriptor, err)
		}
		*t.short = t.want - min(held.Amount, t.want)
	}
	if short == (localdev.Amounts{}) {
		return r, fmt.Sprintf("dev renter %s funded already", r.Address), nil
	}
	if _, err := localdev.Airdrop(ctx, net.Client, keys, r.Address, short); err != nil {
		return nil, "", fmt.Errorf("dev renter: %w", err)
	}
	return r, fmt.Sprintf("dev renter %s topped up with %s, %s, %s", r.Address, sol.Format(short.Lamports),
		cli.IO.Format(short.IO), cli.IOSD.Format(short.IOSD)), nil
}
