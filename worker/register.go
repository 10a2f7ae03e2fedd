package worker

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/worker/gpu"
)

// OwnerOptions say how the owner wallet signs a transaction it pays (register, price set).
type OwnerOptions struct {
	Owner solana.PublicKey // the owner wallet
	// Signers are the owner's keypair, or offline signatures (--signer PUBKEY=SIGNATURE).
	Signers []chain.Signer
	// Nonce and NonceAuthority build on a durable nonce, so offline signatures stay valid.
	Nonce, NonceAuthority solana.PublicKey
	// SignOnly signs what it can and sends nothing.
	SignOnly bool
}

// RegisterOptions say who signs register and how.
type RegisterOptions struct {
	OwnerOptions
	// Stake is the stake the device should hold (0: the minimum of its hardware model).
	Stake uint64
}

// RegisterPlan is what register does: the instructions that bring the device to its stake.
type RegisterPlan struct {
	Owner          solana.PublicKey     `json:"owner"`
	Device         solana.PublicKey     `json:"device"`
	Spec           registry.DeviceSpec  `json:"spec"`
	CPUOnly        string               `json:"cpu_only,omitempty"`
	NewProvider    bool                 `json:"new_provider"`
	NewDevice      bool                 `json:"new_device"`
	Staked         uint64               `json:"staked"`
	MinStake       uint64               `json:"min_stake"`
	TopUp          uint64               `json:"top_up"`
	Instructions   []solana.Instruction `json:"-"`
	OwnerIOAccount solana.PublicKey     `json:"owner_io_account"`
}

// Plan reads the chain and returns what register must send for device under owner with the
// hardware found in report, so that the device holds stake (0: the minimum).
func Plan(ctx context.Context, n *network.Network, cfg *Config, device, owner solana.PublicKey, report gpu.Report, stake uint64) (*RegisterPlan, error) {
	rc, err := n.Registry.FetchConfig(ctx, n.Client)
	if err != nil {
		return nil, n.NotConfigured("registry", err)
	}
	p := &RegisterPlan{Owner: owner, Device: device}
	p.Spec, p.CPUOnly, err = gpu.Spec(report.Inventory, cfg.Overrides())
	specErr := err // matters only for a device not registered yet
	p.OwnerIOAccount, _, err = solana.FindAssociatedTokenAddress(owner, rc.IoMint)
	if err != nil {
		return nil, fmt.Errorf("owner IO account: %w", err)
	}
	accounts, err := n.Client.Accounts(ctx, []solana.PublicKey{n.Registry.ProviderAddress(owner), n.Registry.DeviceAddress(device)})
	if err != nil {
		return nil, err
	}
	p.NewProvider, p.NewDevice = accounts[0] == nil, accounts[1] == nil
	if !p.NewDevice {
		d, err := registry.ParseAccount_Device(accounts[1].Data)
		if err != nil {
			return nil, fmt.Errorf("parse device: %w", err)
		}
		if d.Owner != owner {
			return nil, fmt.Errorf("device %s is registered to %s, not %s", device, d.Owner, owner)
		}
		p.Spec, p.Staked = d.Spec, d.Stake // registered hardware is kept
	} else if specErr != nil {
		return nil, specErr
	}
	if p.MinStake, err = protocol.MinStake(&rc.Params, p.Spec.HardwareModel); err != nil {
		return nil, fmt.Errorf("hardware model %d: %w", p.Spec.HardwareModel, err)
	}
	target := max(stake, p.MinStake)
	if stake != 0 && stake < p.MinStake {
		return nil, fmt.Errorf("--stake %d is below the minimum %d of hardware model %d", stake, p.MinStake, p.Spec.HardwareModel)
	}
	if p.Staked < target {
		p.TopUp = target - p.Staked
	}
	if p.NewProvider {
		ix, err := n.Registry.RegisterProvider(owner, cfg.ProviderMetadata)
		if err != nil {
			return nil, err
		}
		p.Instructions = append(p.Instructions, ix)
	}
	if p.NewDevice {
		ix, err := n.Registry.RegisterDevice(owner, device, rc.IoMint, p.Spec)
		if err != nil {
			return nil, err
		}
		p.Instructions = append(p.Instructions, ix)
	}
	if p.TopUp > 0 {
		ix, err := n.Registry.Stake(owner, device, p.OwnerIOAccount, p.TopUp)
		if err != nil {
			return nil, err
		}
		p.Instructions = append(p.Instructions, ix)
	}
	return p, nil
}

// ErrNothingToDo is register for a device that is registered with its stake.
var ErrNothingToDo = errors.New("the device is registered and holds its stake: nothing to send")

// Transaction is an owner-paid transaction as signed here, and what happened to it.
type Transaction struct {
	Blockhash   solana.Hash        `json:"blockhash"`
	Signers     []string           `json:"signers"` // PUBKEY=SIGNATURE, as the Solana CLI prints them
	Absent      []solana.PublicKey `json:"absent"`
	Message     string             `json:"message"` // base64 of what every signer signs
	Transaction string             `json:"transaction"`
	Base58      string             `json:"transaction_base58"`
	Signature   *solana.Signature  `json:"signature,omitempty"` // once sent
}

// Signed is a register transaction as signed here, and what happened to it.
type Signed struct {
	Plan *RegisterPlan `json:"plan"`
	Transaction
}

// Register builds plan's transaction paid by the owner, signs it with the device key and
// o.Signers and, unless o.SignOnly, sends it.
func Register(ctx context.Context, n *network.Network, plan *RegisterPlan, deviceKey chain.Signer, o RegisterOptions) (*Signed, error) {
	if len(plan.Instructions) == 0 {
		return nil, ErrNothingToDo
	}
	tx, err := sendAsOwner(ctx, n, plan.Instructions, o.OwnerOptions, deviceKey)
	if tx == nil {
		return nil, err
	}
	return &Signed{Plan: plan, Transaction: *tx}, err
}

// sendAsOwner builds ixs paid by o.Owner (on o's durable nonce, if any), signs it with signers
// and o.Signers and, unless o.SignOnly, sends it. The transaction comes back with an error
// once it is built and signed, so the caller can show what it signed.
func sendAsOwner(ctx context.Context, n *network.Network, ixs []solana.Instruction, o OwnerOptions, signers ...chain.Signer) (*Transaction, error) {
	var opts []chain.BuildOption
	if !o.Nonce.IsZero() {
		opts = append(opts, chain.WithNonce(o.Nonce, o.NonceAuthority))
	}
	tx, err := n.Client.Build(ctx, ixs, o.Owner, opts...)
	if err != nil {
		return nil, err
	}
	absent, err := chain.Sign(tx, append(signers, o.Signers...)...)
	if err != nil {
		return nil, err
	}
	s := &Transaction{Blockhash: tx.Message.RecentBlockhash, Absent: absent}
	for i, sig := range tx.Signatures {
		if !sig.IsZero() {
			s.Signers = append(s.Signers, fmt.Sprintf("%s=%s", tx.Message.AccountKeys[i], sig))
		}
	}
	message, err := tx.Message.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	s.Message = base64.StdEncoding.EncodeToString(message)
	if s.Transaction, err = chain.EncodeBase64(tx); err != nil {
		return nil, err
	}
	if s.Base58, err = chain.EncodeBase58(tx); err != nil {
		return nil, err
	}
	if o.SignOnly {
		return s, nil
	}
	if len(absent) > 0 {
		return s, &chain.MissingSignaturesError{Absent: absent}
	}
	sig, err := n.Client.SendSigned(ctx, tx)
	if err != nil {
		return s, fmt.Errorf("send transaction: %w", err)
	}
	s.Signature = &sig
	return s, nil
}
