package chaintest

import (
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/harness"
)

// Op is one kind of step of a property test: it sends a random, valid or invalid, instruction.
// T is the test's type (*testing.T).
type Op[T harness.TB] struct {
	Name string
	Run  func(t T) error
}

// PropertyRand returns a property test's random source and step count: PROPERTY_SEED replays a
// sequence (the seed is logged), PROPERTY_STEPS overrides steps.
func PropertyRand(t harness.TB, steps int) (*rand.Rand, int) {
	seed := envInt("PROPERTY_SEED", time.Now().UnixNano())
	steps = int(envInt("PROPERTY_STEPS", int64(steps)))
	t.Logf("PROPERTY_SEED=%d PROPERTY_STEPS=%d", seed, steps)
	return rand.New(rand.NewPCG(uint64(seed), 0)), steps
}

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

// RunSteps runs steps random ops and check after each. A rejected step must fail with one of
// program's own named errors (never a runtime failure); the same transaction sent twice in
// one block ran once and counts as a success. It logs how many steps of each kind succeeded
// and were rejected.
func RunSteps[T harness.TB](t T, rng *rand.Rand, steps int, program solana.PublicKey, ops []Op[T], check func(T)) {
	counts := map[string][2]int{}
	for step := 0; step < steps; step++ {
		op := ops[rng.IntN(len(ops))]
		err := op.Run(t)
		c := counts[op.Name]
		var te *chain.TransactionError
		if errors.As(err, &te) && te.Kind == "AlreadyProcessed" {
			err = nil
		}
		if err == nil {
			c[0]++
		} else {
			c[1]++
			var ie *chain.InstructionError
			require.ErrorAs(t, err, &ie, "step %d %s: %v", step, op.Name, err)
			require.NotNil(t, ie.Custom, "step %d %s: not a named error: %v", step, op.Name, err)
			require.Equal(t, program, ie.Program, "step %d %s", step, op.Name)
		}
		counts[op.Name] = c
		check(t)
	}
	t.Logf("steps (ok, rejected): %v", counts)
}
