package chain

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gagliardetto/solana-go"
)

// EventData is the data of the Anchor events ("Program data: <base64>" log lines) that
// program itself emitted in a transaction's logs, in order: a line counts only while program
// is the innermost program executing, so another program's output, or a log line a user
// crafted, is not taken for program's.
func EventData(logs []string, program solana.PublicKey) ([][]byte, error) {
	var (
		events [][]byte
		stack  []string // the programs executing, innermost last
	)
	want := program.String()
	for _, line := range logs {
		if data, ok := strings.CutPrefix(line, "Program data: "); ok {
			if len(stack) == 0 || stack[len(stack)-1] != want {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				return nil, fmt.Errorf("event %q: %w", data, err)
			}
			events = append(events, raw)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[0] != "Program" || strings.HasSuffix(fields[1], ":") { // not "Program log: ..."
			continue
		}
		switch {
		case fields[2] == "invoke" && len(fields) == 4:
			stack = append(stack, fields[1])
		case fields[2] == "success" || strings.HasPrefix(fields[2], "failed"):
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return events, nil
}
