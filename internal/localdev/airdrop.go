package localdev

import (
	"context"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"

	"github.com/gpunet/gpunet/internal/chain"
)

// Decimals of the localnet's mints (genesis: IO 8, IOSD 6).
const (
	IODecimals   = 8
	IOSDDecimals = 6
)

// Amounts is what Airdrop sends, in base units: lamports, IO and IOSD.
type Amounts struct {
	Lamports, IO, IOSD uint64
}

// Airdropped is what Airdrop did: its transaction and the recipient's token accounts.
type Airdropped struct {
	Signature   solana.Signature `json:"signature"`
	To          solana.PublicKey `json:"to"`
	IOAccount   solana.PublicKey `json:"ioAccount"`
	IOSDAccount solana.PublicKey `json:"iosdAccount"`
	Amounts
}

// Airdrop sends amounts to `to` from the localnet's dev faucet key in one transaction the
// faucet pays for: SOL by a system transfer, IO and IOSD from the faucet's genesis token
// accounts into to's associated token accounts, created when missing (never when the amount
// is 0). DEV-ONLY keys: never point it at a real cluster.
func Airdrop(ctx context.Context, c *chain.Client, keys Keys, to solana.PublicKey, a Amounts) (*Airdropped, error) {
	faucet, err := keys.Key("faucet")
	if err != nil {
		return nil, err
	}
	out := &Airdropped{To: to, Amounts: a}
	var ixs []solana.Instruction
	if a.Lamports > 0 {
		ixs = append(ixs, system.NewTransferInstruction(a.Lamports, faucet.PublicKey(), to).Build())
	}
	for _, t := range []struct {
		mint     string
		amount   uint64
		decimals uint8
		account  *solana.PublicKey
	}{{"io-mint", a.IO, IODecimals, &out.IOAccount}, {"iosd-mint", a.IOSD, IOSDDecimals, &out.IOSDAccount}} {
		mint, err := keys.Key(t.mint)
		if err != nil {
			return nil, err
		}
		dest, _, err := solana.FindAssociatedTokenAddress(to, mint.PublicKey())
		if err != nil {
			return nil, err
		}
		*t.account = dest
		if t.amount == 0 {
			continue
		}
		from, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), mint.PublicKey())
		if err != nil {
			return nil, err
		}
		ixs = append(ixs,
			chain.CreateAssociatedTokenAccount(faucet.PublicKey(), to, mint.PublicKey()),
			token.NewTransferCheckedInstruction(t.amount, t.decimals, from, mint.PublicKey(), dest, faucet.PublicKey(), nil).Build())
	}
	if len(ixs) == 0 {
		return nil, fmt.Errorf("airdrop: nothing to send")
	}
	if out.Signature, err = c.Send(ctx, ixs, faucet); err != nil {
		return nil, fmt.Errorf("airdrop to %s: %w", to, err)
	}
	return out, nil
}
