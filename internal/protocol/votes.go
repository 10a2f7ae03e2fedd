package protocol

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
)

// VotesMax is how many votes one collection counts (GP_VOTES_MAX): DecideVotes reads the
// first VotesMax and leaves out the rest, as gp_votes_decide does.
const VotesMax = 16

// bandDenominator is what a band's bps are out of.
const bandDenominator = 10_000

// VoteOutcome is what a collection of votes decided (gp_votes_decide's answer).
type VoteOutcome uint8

const (
	// VotesPending: no agreeing quorum yet, more votes may come (GP_VOTES_PENDING).
	VotesPending VoteOutcome = iota
	// VotesDecided: a quorum agrees; Votes holds its range (GP_VOTES_DECIDED).
	VotesDecided
	// VotesUndecided: final and no agreeing quorum; the programs record nothing (GP_VOTES_UNDECIDED).
	VotesUndecided
)

// VoteRule is how a collection is decided (gp_vote_rule_t): Quorum votes must agree within
// BandBps of the larger. A zero quorum decides nothing.
type VoteRule struct {
	Quorum  uint8
	BandBps uint16
}

// RegistryVoteRule is the oracle set's rule for counted values, proofs, usage and rewards
// (registry_vote_rule, programs/registry/include/registry_view.h).
func RegistryVoteRule(p *registry.ConfigParams) VoteRule {
	return VoteRule{Quorum: p.OracleQuorum, BandBps: p.VoteBandBps}
}

// Votes is a collection's largest agreeing group (gp_votes_t): its lowest and highest vote and
// its size. Counted values record Lo; a conversion prices at whichever end is worse for the user.
type Votes struct {
	Lo, Hi, Agreeing uint64
}

// VotesAgree reports whether a and b agree: |a - b| <= bandBps / 10,000 of the larger, in 128
// bits (gp_votes_agree, programs/sdk/include/gpunet/votes.h). 0 and 0 agree.
func VotesAgree(a, b uint64, bandBps uint16) bool {
	hi, diff := max(a, b), max(a, b)-min(a, b)
	lh, ll := bits.Mul64(diff, bandDenominator)
	rh, rl := bits.Mul64(hi, uint64(bandBps))
	return lh < rh || lh == rh && ll <= rl
}

// DecideVotes decides a collection as gp_votes_decide does (programs/sdk/include/gpunet/votes.h):
// the largest run of sorted votes whose ends agree (the lowest of equally large ones) is
// VotesDecided when it holds at least rule.Quorum votes; otherwise VotesUndecided when final
// (no more votes will come), else VotesPending. Every vote counts, duplicates and zeros
// included: which votes a collection holds is the caller's rule. votes is left as it was.
func DecideVotes(rule VoteRule, votes []uint64, final bool) (Votes, VoteOutcome) {
	v := slices.Sorted(slices.Values(votes[:min(len(votes), VotesMax)]))
	var out Votes
	// sorted, a group that agrees is a run v[i..j] whose ends agree, and for each start the
	// run only grows with j: one pass with two indexes finds the longest
	for i, j := 0, 0; i < len(v); i++ {
		j = max(j, i)
		for j+1 < len(v) && VotesAgree(v[i], v[j+1], rule.BandBps) {
			j++
		}
		if uint64(j-i+1) > out.Agreeing {
			out = Votes{Lo: v[i], Hi: v[j], Agreeing: uint64(j - i + 1)}
		}
	}
	switch {
	case rule.Quorum > 0 && out.Agreeing >= uint64(rule.Quorum):
		return out, VotesDecided
	case final:
		return out, VotesUndecided
	}
	return out, VotesPending
}

// LiveOracles are the registry's live oracles: the first oracle_count of its oracle slots (a
// count past the slots, which the program refuses, is clamped).
func LiveOracles(p *registry.ConfigParams) []solana.PublicKey {
	return p.Oracles[:min(int(p.OracleCount), len(p.Oracles))]
}

// OracleSetFingerprint is the fingerprint the programs record with oracle votes: the first 8
// bytes, little-endian, of sha256(live oracle keys || quorum) (registry_oracle_set_fingerprint,
// programs/registry/include/registry_view.h). Votes kept under another fingerprint do not count.
func OracleSetFingerprint(p *registry.ConfigParams) uint64 {
	h := sha256.New()
	for _, o := range LiveOracles(p) {
		h.Write(o[:])
	}
	h.Write([]byte{p.OracleQuorum})
	return binary.LittleEndian.Uint64(h.Sum(nil))
}
