package poc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/poc"
)

// specChallenge is the spec vectors' challenge: seed = 00..1f, device = 20..3f.
func specChallenge(n int) poc.Challenge {
	ch := poc.Challenge{N: n}
	for k := range 32 {
		ch.Seed[k], ch.Device[k] = byte(k), byte(32+k)
	}
	return ch
}

// hexInt8 reads spec bytes as the int8 entries they are.
func hexInt8(t *testing.T, s string) []int8 {
	raw, err := hex.DecodeString(s)
	require.NoError(t, err)
	out := make([]int8, len(raw))
	for k, v := range raw {
		out[k] = int8(v)
	}
	return out
}

// TestSpecVectors pins the bit-exact spec (README.md). The values come from an independent
// Python implementation (hashlib, OpenSSL's AES-256-CTR through `cryptography`, plain lists
// for the product and the tree), not from this package.
func TestSpecVectors(t *testing.T) {
	key := func(n int) string { k := specChallenge(n).Key(); return hex.EncodeToString(k[:]) }
	require.Equal(t, "f0d82a349b6a3afbf1f5688207ec18ede128cd3870e8fa3a0403aa2585e7b052", key(16))
	require.Equal(t, "b28051c4657530f6060f6446b0000f67f822377e5d4d20e0a9fa8cd09ebeadd5", key(1024))

	ch := specChallenge(1024)
	vec := make([]int8, ch.N)
	for _, v := range []struct {
		name  string
		regen func(int, []int8)
		index int
		want  string
	}{
		{"A row 0", ch.RowA, 0, "20833beea6889b23036d677d35c7f8df"},
		{"A row 3", ch.RowA, 3, "b8d9b3ba781b50b295596a1f09f63a44"},
		{"B column 0", ch.ColB, 0, "2f2fc4722a5bbc1cf6116c48f90eb8be"},
		{"B column 1023", ch.ColB, 1023, "3afe929e305246aec999f88991579683"},
	} {
		v.regen(v.index, vec)
		require.Equal(t, hexInt8(t, v.want), vec[:16], v.name)
	}
	a, b := ch.Matrices()
	ch.RowA(3, vec)
	require.Equal(t, a[3*1024:4*1024], vec, "a row regenerated alone is the row of the whole matrix")
	ch.ColB(1023, vec)
	require.Equal(t, b[1023*1024:], vec)

	for _, v := range []struct {
		n          int
		root       string
		first, end int32
	}{
		{16, "1725c4776e437b88bd9e5d9dc4acc31cd155d0d99b96f5f45701727f980f25af", 45986, 8239},
		// 144 leaves: levels of 9, 5 and 3 nodes carry their last node up.
		{48, "d8c4d96a641e2a10367107b0394dd1f375c342f95a46a74d340fecc1d5be4f16", -47783, -50009},
	} {
		tree, c := prove(t, specChallenge(v.n))
		require.Equal(t, [2]int32{v.first, v.end}, [2]int32{c[0], c[len(c)-1]}, "n=%d", v.n)
		root := tree.Root()
		require.Equal(t, v.root, hex.EncodeToString(root[:]), "n=%d", v.n)
	}
}

// prove is the honest prover, returning C too.
func prove(t testing.TB, ch poc.Challenge) (*poc.Tree, []int32) {
	a, b := ch.Matrices()
	c := make([]int32, ch.N*ch.N)
	require.NoError(t, poc.CPU{}.Multiply(context.Background(), ch.N, a, b, c))
	tree, err := poc.Commit(ch.N, c)
	require.NoError(t, err)
	return tree, c
}

// verifierRNG is the verifier's CSPRNG with a fixed seed, so each test's draw is reproducible.
func verifierRNG(tag byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{tag}) }

// answer commits to c for ch, draws K positions after the root exists and opens them from
// opened (c's tree unless a cheater answers from another).
func answer(t *testing.T, ch poc.Challenge, root poc.Hash, opened *poc.Tree) error {
	positions, err := poc.Draw(verifierRNG(7), ch.N, poc.Samples)
	require.NoError(t, err)
	proof, err := opened.Open(positions)
	require.NoError(t, err)
	return ch.Verify(root, positions, proof)
}

func TestHonestPasses(t *testing.T) {
	for _, n := range []int{16, 48, 256} {
		ch := challenge(3, n)
		tree, err := poc.Prove(context.Background(), poc.CPU{}, ch)
		require.NoError(t, err)
		require.NoError(t, answer(t, ch, tree.Root(), tree), "n=%d", n)
	}
}

func TestCheatersFail(t *testing.T) {
	const n = 256
	ch := challenge(5, n)
	honest, c := prove(t, ch)
	commit := func(c []int32) *poc.Tree {
		tree, err := poc.Commit(n, c)
		require.NoError(t, err)
		return tree
	}
	// lazy returns C with the entries skip selects left at zero.
	lazy := func(skip func(i, j int) bool) []int32 {
		out := make([]int32, len(c))
		for k := range c {
			if !skip(k/n, k%n) {
				out[k] = c[k]
			}
		}
		return out
	}
	rng := rand.New(rand.NewPCG(1, 2))
	replayed, _ := prove(t, challenge(6, n))
	twice, _ := prove(t, challenge(5, 2*n))

	zeros := commit(make([]int32, n*n))
	for _, v := range []struct {
		name      string
		committed *poc.Tree
		opened    *poc.Tree // nil: the committed tree, a consistent cheater
		wantErr   error
	}{
		// Every entry wrong: the first position opened exposes it.
		{"commits zeros", zeros, nil, poc.ErrEntry},
		// 2% wrong: passes with probability 0.98^1380 ~ 7.7e-13.
		{"skips 2% at random", commit(lazy(func(int, int) bool { return rng.IntN(50) == 0 })), nil, poc.ErrEntry},
		// The same 2%, correlated by rows: each draw still lands on a skipped row with 1/50.
		{"skips 1 row in 50", commit(lazy(func(i, _ int) bool { return i%50 == 0 })), nil, poc.ErrEntry},
		// Root of the real C, openings of another: the leaves do not hash to the root.
		{"opens a different C", honest, replayed, poc.ErrProof},
		// A consistent old answer: the tree checks out, the products do not.
		{"replays another seed", replayed, nil, poc.ErrEntry},
		// n is in the key and in the tree's shape: another n opens other leaves.
		{"wrong n", twice, nil, poc.ErrIndices},
	} {
		t.Run(v.name, func(t *testing.T) {
			opened := v.opened
			if opened == nil {
				opened = v.committed
			}
			require.ErrorIs(t, answer(t, ch, v.committed.Root(), opened), v.wantErr)
		})
	}
}

func TestDraw(t *testing.T) {
	le := func(vs ...uint64) *bytes.Reader {
		var out []byte
		for _, v := range vs {
			out = binary.LittleEndian.AppendUint64(out, v)
		}
		return bytes.NewReader(out)
	}
	// n = 48: n*n = 2304 and 2^64 mod 2304 = 1024, so the top 1024 values are rejected.
	got, err := poc.Draw(le(0, 2305, math.MaxUint64, math.MaxUint64-1024), 48, 3)
	require.NoError(t, err)
	require.Equal(t, []poc.Position{{0, 0}, {0, 1}, {47, 47}}, got)

	_, err = poc.Draw(le(1, 2), 48, 3)
	require.EqualError(t, err, "draw positions: EOF")
	_, err = poc.Draw(le(1), 40, 1)
	require.ErrorIs(t, err, poc.ErrN)
}

func TestVerifyRejectsPositionsOutside(t *testing.T) {
	ch := challenge(9, 16)
	tree, _ := prove(t, ch)
	_, err := tree.Open([]poc.Position{{0, 16}})
	require.EqualError(t, err, "poc: wrong leaf indices: position (0, 16) outside n = 16")
	proof, err := tree.Open([]poc.Position{{0, 0}})
	require.NoError(t, err)
	require.EqualError(t, ch.Verify(tree.Root(), []poc.Position{{1, 0}}, proof),
		"poc: wrong leaf indices: the proof opens other leaves than the 1 asked")
}
