package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"

	"github.com/gpunet/gpunet/client/programerr"
)

// JSON-RPC error codes of Solana's RPC server that the client acts on.
const (
	rpcPreflightFailure = -32002
	rpcNodeUnhealthy    = -32005
)

// InstructionError is a transaction that failed in one of its instructions: either with a
// program's custom code (Builtin is empty) or with one of the runtime's built-in errors
// ("MissingRequiredSignature", ...).
type InstructionError struct {
	Index   int
	Program solana.PublicKey
	Code    uint32
	Custom  *programerr.Error // the named error, when the program's table knows the code
	Builtin string
	Logs    []string
}

func (e *InstructionError) Error() string {
	switch {
	case e.Builtin != "":
		return fmt.Sprintf("instruction %d (program %s): %s", e.Index, e.Program, e.Builtin)
	case e.Custom != nil:
		return fmt.Sprintf("instruction %d: %s", e.Index, e.Custom)
	}
	return fmt.Sprintf("instruction %d (program %s): custom program error %d", e.Index, e.Program, e.Code)
}

// Is matches a program's named error (generated in client/<program>) by program and code, so
// callers write errors.Is(err, registry.ErrUnauthorized).
func (e *InstructionError) Is(target error) bool {
	var c *programerr.Error
	if !errors.As(target, &c) || e.Builtin != "" || c.Code != e.Code {
		return false
	}
	return e.Custom == nil || e.Custom.Program == c.Program
}

// CustomErrorCode returns the custom program error code, if the instruction failed with one
// (programerr.Coder: the generated clients' DecodeError reads it).
func (e *InstructionError) CustomErrorCode() (uint32, bool) { return e.Code, e.Builtin == "" }

// TransactionError is a transaction refused as a whole ("BlockhashNotFound",
// "InsufficientFundsForFee", "AlreadyProcessed", ...).
type TransactionError struct {
	Kind string
	Logs []string
}

func (e *TransactionError) Error() string { return "transaction failed: " + e.Kind }

// decodeTxError turns Solana's JSON transaction error ({"InstructionError":[0,{"Custom":6100}]},
// "BlockhashNotFound", ...) into an *InstructionError or a *TransactionError.
func (c *Client) decodeTxError(raw any, programs []solana.PublicKey, logs []string) error {
	if s, ok := raw.(string); ok {
		return &TransactionError{Kind: s, Logs: logs}
	}
	obj, ok := raw.(map[string]any)
	if !ok || len(obj) != 1 {
		return &TransactionError{Kind: fmt.Sprint(raw), Logs: logs}
	}
	for kind, v := range obj {
		pair, ok := v.([]any)
		if kind != "InstructionError" || !ok || len(pair) != 2 {
			return &TransactionError{Kind: fmt.Sprintf("%s %v", kind, v), Logs: logs}
		}
		idx, err := jsonInt(pair[0])
		if err != nil {
			return &TransactionError{Kind: fmt.Sprintf("%s %v", kind, v), Logs: logs}
		}
		ie := &InstructionError{Index: idx, Logs: logs}
		if idx >= 0 && idx < len(programs) {
			ie.Program = programs[idx]
		}
		switch detail := pair[1].(type) {
		case string:
			ie.Builtin = detail
		case map[string]any:
			code, err := jsonInt(detail["Custom"])
			if err != nil {
				b, _ := json.Marshal(detail)
				ie.Builtin = string(b)
				break
			}
			ie.Code = uint32(code)
			ie.Custom = c.errors.lookup(ie.Program, ie.Code)
		default:
			ie.Builtin = fmt.Sprint(detail)
		}
		return ie
	}
	return nil
}

func jsonInt(v any) (int, error) {
	switch n := v.(type) {
	case float64:
		return int(n), nil
	case json.Number:
		i, err := n.Int64()
		return int(i), err
	}
	return 0, fmt.Errorf("not a number: %v", v)
}

// logsOf extracts simulation logs from a preflight failure's data.
func logsOf(data any) []string {
	m, _ := data.(map[string]any)
	list, _ := m["logs"].([]any)
	var logs []string
	for _, l := range list {
		if s, ok := l.(string); ok {
			logs = append(logs, s)
		}
	}
	return logs
}

// isTransient reports whether an RPC failure is worth retrying: transport failures and an
// unhealthy or rate-limited node, not answers such as a failed simulation.
func isTransient(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, rpc.ErrNotFound) {
		return false
	}
	var rpcErr *jsonrpc.RPCError
	if errors.As(err, &rpcErr) {
		return rpcErr.Code == rpcNodeUnhealthy || rpcErr.Code == 429
	}
	return true
}
