package worker

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/protocol"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
)

// Rewards is what the economy holds for the device: each oracle's cumulative value, the
// attested value a claim pays up to, what it was paid and what it can claim now.
type Rewards struct {
	Device solana.PublicKey `json:"device"`
	// Epochs is how many epochs the economy has advanced: the oracles' values cover at most
	// these (each epoch is rewarded once it is advanced, oracle/README.md).
	Epochs uint64 `json:"epochs_advanced"`
	// Oracles is each live oracle's latest cumulative value for the device (0: none).
	Oracles   []OracleReward `json:"oracles"`
	Attested  uint64         `json:"attested"` // the low end of a quorum that agrees, 0 without one
	Claimed   uint64         `json:"claimed"`
	Claimable uint64         `json:"claimable"`
	// Why is why nothing can be claimed now ("" when something can).
	Why string `json:"not_claimable,omitempty"`
	// Claim is the claim's signature and what it paid, with --claim.
	Claim *Claim `json:"claim,omitempty"`
}

// OracleReward is one oracle's latest value for the device.
type OracleReward struct {
	Oracle     solana.PublicKey `json:"oracle"`
	Cumulative uint64           `json:"cumulative"`
}

// Claim is a claim that landed.
type Claim struct {
	Signature solana.Signature `json:"signature"`
	Paid      uint64           `json:"paid"`
	To        solana.PublicKey `json:"to"` // the owner's IO account
}

// DeviceRewards reads the device's rewards as claim_rewards would count them
// (programs/economy/src/claim_rewards.c).
func DeviceRewards(ctx context.Context, n *network.Network, device solana.PublicKey) (*Rewards, error) {
	ec, err := n.Economy.FetchConfig(ctx, n.Client)
	if err != nil {
		return nil, n.NotConfigured("economy", err)
	}
	rc, err := n.Registry.FetchConfig(ctx, n.Client)
	if err != nil {
		return nil, n.NotConfigured("registry", err)
	}
	r := &Rewards{Device: device, Epochs: ec.NextEpoch, Oracles: []OracleReward{}}
	rec, err := n.Economy.FetchRewards(ctx, n.Client, n.Registry.DeviceAddress(device))
	if errors.Is(err, chain.ErrAccountNotFound) {
		r.Why = "no oracle has submitted a reward for this device yet"
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	r.Claimed = rec.Claimed
	live := rec.OracleSet == protocol.OracleSetFingerprint(&rc.Params)
	var values []uint64
	for i, o := range protocol.LiveOracles(&rc.Params) {
		v := OracleReward{Oracle: o}
		if live {
			v.Cumulative = rec.Values[i]
		}
		if v.Cumulative > 0 {
			values = append(values, v.Cumulative)
		}
		r.Oracles = append(r.Oracles, v)
	}
	votes, outcome := protocol.DecideVotes(protocol.RegistryVoteRule(&rc.Params), values, true)
	switch {
	case len(values) < int(rc.Params.OracleQuorum) || len(values) == 0:
		r.Why = fmt.Sprintf("%s: %d of the %d oracles needed have submitted a value", economy.ErrRewardQuorumNotMet.Name, len(values), rc.Params.OracleQuorum)
	case outcome != protocol.VotesDecided:
		r.Why = fmt.Sprintf("%s: no %d of the oracles' values agree; a later submission will", economy.ErrRewardDisagreement.Name, rc.Params.OracleQuorum)
	default:
		r.Attested = votes.Lo
		if r.Attested > r.Claimed {
			r.Claimable = r.Attested - r.Claimed
		} else {
			r.Why = fmt.Sprintf("%s: everything attested so far is paid", economy.ErrNothingToClaim.Name)
		}
	}
	return r, nil
}

// ClaimRewards claims the device's claimable rewards to the owner's IO associated token
// account, signed and paid by the owner wallet, and returns the rewards after the claim.
func ClaimRewards(ctx context.Context, n *network.Network, device solana.PublicKey, owner chain.Signer) (*Rewards, error) {
	before, err := DeviceRewards(ctx, n, device)
	if err != nil {
		return nil, err
	}
	if before.Claimable == 0 {
		return nil, fmt.Errorf("nothing to claim: %s", before.Why)
	}
	ec, err := n.Economy.FetchConfig(ctx, n.Client)
	if err != nil {
		return nil, err
	}
	to, _, err := solana.FindAssociatedTokenAddress(owner.PublicKey(), ec.IoMint)
	if err != nil {
		return nil, err
	}
	// the mints as the economy names them: the worker's config need not
	program := oneconomy.New(n.Economy.ID, n.Registry, ec.IoMint, ec.IosdMint)
	ix, err := program.ClaimRewards(n.Registry.DeviceAddress(device), to)
	if err != nil {
		return nil, err
	}
	sig, err := n.Client.Send(ctx, []solana.Instruction{ix}, owner)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	after, err := DeviceRewards(ctx, n, device)
	if err != nil {
		return nil, err
	}
	after.Claim = &Claim{Signature: sig, Paid: after.Claimed - before.Claimed, To: to}
	return after, nil
}

// PrintRewards writes r for people.
func PrintRewards(w io.Writer, r *Rewards) error {
	fmt.Fprintf(w, "Device:    %s\nEpochs:    %d advanced\n", r.Device, r.Epochs)
	for _, o := range r.Oracles {
		fmt.Fprintf(w, "Oracle %s: %d\n", o.Oracle, o.Cumulative)
	}
	fmt.Fprintf(w, "Attested:  %d\nClaimed:   %d\nClaimable: %d\n", r.Attested, r.Claimed, r.Claimable)
	if r.Claim != nil {
		fmt.Fprintf(w, "Claimed %d IO base units to %s: %s\n", r.Claim.Paid, r.Claim.To, r.Claim.Signature)
	}
	if r.Why != "" {
		fmt.Fprintf(w, "Nothing to claim now: %s\n", r.Why)
	}
	return nil
}
