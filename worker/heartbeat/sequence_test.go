package heartbeat

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func onDisk(t *testing.T, dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "heartbeat-sequence"))
	require.NoError(t, err)
	return string(data)
}

func next(t *testing.T, s *Sequence, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		v, err := s.Next()
		require.NoError(t, err)
		out[i] = v
	}
	return out
}

// A block is on disk before its first number is handed out, and the disk is written once per
// block.
func TestSequenceReservesABlockOnDiskBeforeUse(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSequence(dir)
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "heartbeat-sequence"))
	require.ErrorIs(t, err, os.ErrNotExist, "opening reserves nothing")

	require.Equal(t, []uint64{1}, next(t, s, 1))
	require.Equal(t, "257\n", onDisk(t, dir))
	next(t, s, reserve-1)
	require.Equal(t, "257\n", onDisk(t, dir), "the block's numbers are used without writing")
	require.Equal(t, []uint64{257}, next(t, s, 1))
	require.Equal(t, "513\n", onDisk(t, dir))
	info, err := os.Stat(filepath.Join(dir, "heartbeat-sequence"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// A reservation that cannot be written hands out nothing.
	full := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(full, "heartbeat-sequence.tmp"), 0o700))
	s, err = OpenSequence(full)
	require.NoError(t, err)
	_, err = s.Next()
	require.ErrorContains(t, err, "reserve heartbeat sequence")
	require.NoError(t, os.Remove(filepath.Join(full, "heartbeat-sequence.tmp")))
	require.Equal(t, []uint64{1}, next(t, s, 1), "nothing was used: the sequence starts where it was")
}

// A restarted worker continues past every number handed out, however many: the rest of a
// reserved block is skipped (a gap), never reused, also after a crash right after a reserve.
func TestSequenceRestartNeverReuses(t *testing.T) {
	for _, used := range []int{1, reserve - 1, reserve, reserve + 1, 3*reserve + 7} {
		dir := t.TempDir()
		s, err := OpenSequence(dir)
		require.NoError(t, err)
		handed := next(t, s, used)
		require.True(t, slices.IsSorted(handed))
		last := handed[len(handed)-1]

		// The process dies here (nothing is flushed on exit: there is no Close).
		again, err := OpenSequence(dir)
		require.NoError(t, err)
		first := next(t, again, 1)[0]
		require.Greater(t, first, last, "after %d numbers", used)
		blocks := uint64((used + reserve - 1) / reserve)
		require.Equal(t, blocks*reserve+1, first, "it continues at the end of the last reserved block")
	}

	// A crash between reserving a block and using its first number: the whole block is a gap.
	dir := t.TempDir()
	s, err := OpenSequence(dir)
	require.NoError(t, err)
	require.NoError(t, s.persist(1+reserve)) // what Next does first
	again, err := OpenSequence(dir)
	require.NoError(t, err)
	require.Equal(t, []uint64{1 + reserve}, next(t, again, 1))
}

func TestSequenceRefusesACorruptFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "heartbeat-sequence"), []byte("twelve\n"), 0o600))
	_, err := OpenSequence(dir)
	require.ErrorContains(t, err, "parse "+filepath.Join(dir, "heartbeat-sequence"))
}

// Several goroutines (one per oracle) share a Sequence: every number is handed out once.
func TestSequenceConcurrentUseYieldsDistinctValues(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSequence(dir)
	require.NoError(t, err)
	const goroutines, each = 8, 200
	got := make([][]uint64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				v, err := s.Next()
				if err != nil {
					t.Error(err)
					return
				}
				got[g] = append(got[g], v)
			}
		}()
	}
	wg.Wait()
	var all []uint64
	for _, g := range got {
		require.True(t, slices.IsSorted(g), "each goroutine sees an increasing sequence")
		all = append(all, g...)
	}
	slices.Sort(all)
	want := make([]uint64, goroutines*each)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	require.Equal(t, want, all)
	require.Equal(t, "1793\n", onDisk(t, dir), "1600 numbers took 7 blocks")
}
