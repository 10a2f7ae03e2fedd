package chain

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/programerr"
)

// Programs register their error tables while other goroutines decode errors (run under
// `go test -race`): every decode sees either no table yet or the program's whole table, and
// after all registrations every program's code decodes to its own named error.
func TestRegisterErrorsConcurrently(t *testing.T) {
	const programs, decodes = 32, 200
	c := New("http://127.0.0.1:1")
	ids := make([]solana.PublicKey, programs)
	named := make([]*programerr.Error, programs)
	for i := range ids {
		ids[i] = solana.NewWallet().PublicKey()
		named[i] = &programerr.Error{Program: fmt.Sprintf("p%d", i), Code: 6100, Name: "Unauthorized"}
	}
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c.RegisterErrors(ids[i], programerr.Table{6100: named[i]})
		}()
		go func() {
			defer wg.Done()
			for range decodes {
				err := decode(t, c, `{"InstructionError":[0,{"Custom":6100}]}`, []solana.PublicKey{ids[i]})
				var ie *InstructionError
				require.ErrorAs(t, err, &ie)
				require.True(t, ie.Custom == nil || ie.Custom == named[i], "program %d decoded %v", i, ie.Custom)
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		err := decode(t, c, `{"InstructionError":[0,{"Custom":6100}]}`, []solana.PublicKey{ids[i]})
		require.EqualError(t, err, fmt.Sprintf("instruction 0: p%d: Unauthorized (6100): ", i))
	}
}
