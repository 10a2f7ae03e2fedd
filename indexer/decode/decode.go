// Package decode turns gpunet's transactions and accounts into the indexer's rows: each
// instruction of the three programs (outer and inner, in execution order) named by its IDL
// discriminator with its accounts named and its arguments decoded, the Anchor events of the
// programs' own log lines, and the program accounts a transaction wrote. Whatever it cannot
// decode (an unknown discriminator, a newer layout) becomes an Undecoded row with the reason:
// kept raw, never dropped, never an error.
package decode

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	gpunet "github.com/gpunet/gpunet"
	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/idl"
)

// Programs are the three programs' ids on the indexed cluster.
type Programs struct{ Registry, Escrow, Economy solana.PublicKey }

// Tx is a transaction's rows.
type Tx struct {
	Signature    string
	Slot         uint64
	BlockTime    *time.Time
	FeePayer     string
	Err          json.RawMessage // nil when it succeeded
	Instructions []string        // "program.instruction", outer and inner, in order
	Ixs          []Instruction
	Events       []Event
	Undecoded    []Undecoded
	// Written are the accounts its gpunet instructions passed writable (nil when it failed): a
	// superset of the program accounts it wrote, which the ingester reads back.
	Written []solana.PublicKey
}

// Instruction is one gpunet instruction of a transaction.
type Instruction struct {
	Position int
	Program  string
	Name     string
	Accounts json.RawMessage
	Args     json.RawMessage
}

// Event is one Anchor event of a successful transaction.
type Event struct {
	Position int
	Program  string
	Name     string
	Data     json.RawMessage
}

// Undecoded is what could not be decoded, kept raw with the reason.
type Undecoded struct {
	Kind      string // instruction, event or account
	Program   string
	Signature string // instructions and events
	Position  int    // instructions and events
	Address   string // accounts
	Slot      uint64
	Data      []byte
	Reason    string
}

// Account is a program account's latest state.
type Account struct {
	Address string
	Program string
	Kind    string
	Data    json.RawMessage
	Raw     []byte
	Slot    uint64
	// Value is the generated client's decoded struct (*registry.Device, *escrow.Job...).
	Value any
}

type program struct {
	name         string
	id           solana.PublicKey
	doc          *idl.IDL
	ixs          map[[8]byte]*idl.Instruction
	parseEvent   func([]byte) (any, error)
	parseAccount func([]byte) (any, error)
}

// Decoder decodes with the IDLs built into the binary.
type Decoder struct {
	byID   map[solana.PublicKey]*program
	byName map[string]*program
}

// New reads the built-in IDLs for the programs at ids.
func New(ids Programs) (*Decoder, error) {
	d := &Decoder{byID: map[solana.PublicKey]*program{}, byName: map[string]*program{}}
	for _, p := range []*program{
		{name: "registry", id: ids.Registry, parseEvent: registry.ParseAnyEvent, parseAccount: registry.ParseAnyAccount},
		{name: "escrow", id: ids.Escrow, parseEvent: escrow.ParseAnyEvent, parseAccount: escrow.ParseAnyAccount},
		{name: "economy", id: ids.Economy, parseEvent: economy.ParseAnyEvent, parseAccount: economy.ParseAnyAccount},
	} {
		raw, err := fs.ReadFile(gpunet.IDLs, "idl/"+p.name+".json")
		if err != nil {
			return nil, fmt.Errorf("read the %s idl: %w", p.name, err)
		}
		p.doc = new(idl.IDL)
		if err := json.Unmarshal(raw, p.doc); err != nil {
			return nil, fmt.Errorf("parse the %s idl: %w", p.name, err)
		}
		p.ixs = map[[8]byte]*idl.Instruction{}
		for i := range p.doc.Instructions {
			p.ixs[p.doc.Instructions[i].Discriminator] = &p.doc.Instructions[i]
		}
		d.byID[p.id] = p
		d.byName[p.name] = p
	}
	return d, nil
}

// ProgramName is the name of the program at id ("" when it is none of the three).
func (d *Decoder) ProgramName(id solana.PublicKey) string {
	if p := d.byID[id]; p != nil {
		return p.name
	}
	return ""
}

// Transaction decodes a transaction fetched with its meta. It fails only on a transaction
// that cannot be read at all (no message, account indexes out of range); anything of the
// programs it cannot decode becomes an Undecoded row.
func (d *Decoder) Transaction(sig solana.Signature, res *rpc.GetTransactionResult) (*Tx, error) {
	if res == nil || res.Transaction == nil || res.Meta == nil {
		return nil, fmt.Errorf("transaction %s: no transaction or meta", sig)
	}
	tx, err := res.Transaction.GetTransaction()
	if err != nil {
		return nil, fmt.Errorf("transaction %s: %w", sig, err)
	}
	msg := tx.Message
	if msg.IsVersioned() && !msg.IsResolved() {
		if err := msg.ResolveLookupsWith(res.Meta.LoadedAddresses.Writable, res.Meta.LoadedAddresses.ReadOnly); err != nil {
			return nil, fmt.Errorf("transaction %s: resolve lookups: %w", sig, err)
		}
	}
	keys, err := msg.GetAllKeys()
	if err != nil || len(keys) == 0 {
		return nil, fmt.Errorf("transaction %s: account keys: %v", sig, err)
	}
	out := &Tx{Signature: sig.String(), Slot: res.Slot, FeePayer: keys[0].String(), Instructions: []string{}}
	if res.BlockTime != nil {
		t := res.BlockTime.Time().UTC()
		out.BlockTime = &t
	}
	ok := res.Meta.Err == nil
	if !ok {
		if out.Err, err = json.Marshal(res.Meta.Err); err != nil {
			return nil, fmt.Errorf("transaction %s: encode its error: %w", sig, err)
		}
	}
	written := map[solana.PublicKey]bool{}
	one := func(programIndex uint16, accounts []uint16, data []byte) error {
		if int(programIndex) >= len(keys) {
			return fmt.Errorf("transaction %s: program index %d of %d keys", sig, programIndex, len(keys))
		}
		p := d.byID[keys[programIndex]]
		if p == nil {
			return nil
		}
		addrs := make([]solana.PublicKey, len(accounts))
		for i, a := range accounts {
			if int(a) >= len(keys) {
				return fmt.Errorf("transaction %s: account index %d of %d keys", sig, a, len(keys))
			}
			addrs[i] = keys[a]
			if ok {
				if w, _ := msg.IsWritable(keys[a]); w {
					written[keys[a]] = true
				}
			}
		}
		pos := len(out.Ixs) + countInstructionUndecoded(out.Undecoded)
		ix, reason := p.instruction(pos, addrs, data)
		if reason != "" {
			out.Instructions = append(out.Instructions, p.name+".unknown")
			out.Undecoded = append(out.Undecoded, Undecoded{Kind: "instruction", Program: p.name, Signature: out.Signature, Position: pos, Slot: res.Slot, Data: data, Reason: reason})
			return nil
		}
		out.Instructions = append(out.Instructions, p.name+"."+ix.Name)
		out.Ixs = append(out.Ixs, *ix)
		return nil
	}
	inner := map[uint16][]rpc.CompiledInstruction{}
	for _, in := range res.Meta.InnerInstructions {
		inner[in.Index] = append(inner[in.Index], in.Instructions...)
	}
	for i, ci := range msg.Instructions {
		if err := one(ci.ProgramIDIndex, ci.Accounts, ci.Data); err != nil {
			return nil, err
		}
		for _, cpi := range inner[uint16(i)] {
			if err := one(cpi.ProgramIDIndex, cpi.Accounts, cpi.Data); err != nil {
				return nil, err
			}
		}
	}
	if ok {
		for _, key := range sortedKeys(written) {
			out.Written = append(out.Written, key)
		}
		if err := d.events(out, res.Meta.LogMessages); err != nil {
			return nil, fmt.Errorf("transaction %s: %w", sig, err)
		}
	}
	return out, nil
}

func countInstructionUndecoded(u []Undecoded) int {
	n := 0
	for _, x := range u {
		if x.Kind == "instruction" {
			n++
		}
	}
	return n
}

// instruction names an instruction by its discriminator, its accounts by the IDL's list
// (the extras under "remaining") and decodes its arguments; a reason when it cannot.
func (p *program) instruction(pos int, addrs []solana.PublicKey, data []byte) (*Instruction, string) {
	if len(data) < 8 {
		return nil, fmt.Sprintf("instruction data of %d bytes has no discriminator", len(data))
	}
	def := p.ixs[[8]byte(data[:8])]
	if def == nil {
		return nil, fmt.Sprintf("unknown instruction discriminator %x", data[:8])
	}
	r := &argReader{doc: p.doc, b: data[8:]}
	args, err := r.fields(def.Args)
	if err != nil {
		return nil, fmt.Sprintf("%s arguments: %v", def.Name, err)
	}
	if len(r.b) != 0 {
		return nil, fmt.Sprintf("%s arguments: %d bytes left over", def.Name, len(r.b))
	}
	accounts := map[string]any{}
	for i, a := range addrs {
		if i < len(def.Accounts) {
			accounts[def.Accounts[i].Name] = a
			continue
		}
		rest, _ := accounts["remaining"].([]solana.PublicKey)
		accounts["remaining"] = append(rest, a)
	}
	accJSON, err := JSON(accounts)
	if err != nil {
		return nil, err.Error()
	}
	argJSON, err := JSON(args)
	if err != nil {
		return nil, err.Error()
	}
	return &Instruction{Position: pos, Program: p.name, Name: def.Name, Accounts: accJSON, Args: argJSON}, ""
}

// events decodes each program's own "Program data:" lines (chain.EventData), numbered in log
// order across the three programs.
func (d *Decoder) events(out *Tx, logs []string) error {
	type queued struct {
		p    *program
		data [][]byte
	}
	var queues []*queued
	for _, name := range []string{"registry", "escrow", "economy"} {
		p := d.byName[name]
		data, err := chain.EventData(logs, p.id)
		if err != nil {
			return err
		}
		queues = append(queues, &queued{p: p, data: data})
	}
	pos := 0
	emit := func(p *program, raw []byte) error {
		defer func() { pos++ }()
		v, err := p.parseEvent(raw)
		if err != nil {
			out.Undecoded = append(out.Undecoded, Undecoded{Kind: "event", Program: p.name, Signature: out.Signature, Position: pos, Slot: out.Slot, Data: raw, Reason: err.Error()})
			return nil
		}
		js, err := JSON(v)
		if err != nil {
			return err
		}
		out.Events = append(out.Events, Event{Position: pos, Program: p.name, Name: typeName(v), Data: js})
		return nil
	}
	for _, line := range logs {
		text, isData := strings.CutPrefix(line, "Program data: ")
		if !isData {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			continue // EventData took no such line of a program
		}
		for _, q := range queues {
			if len(q.data) > 0 && bytes.Equal(q.data[0], raw) {
				if err := emit(q.p, raw); err != nil {
					return err
				}
				q.data = q.data[1:]
				break
			}
		}
	}
	return nil
}

// Account decodes an account a program owns; (nil, nil) for an account of no gpunet program.
func (d *Decoder) Account(a *chain.Account, slot uint64) (*Account, *Undecoded) {
	p := d.byID[a.Owner]
	if p == nil {
		return nil, nil
	}
	v, err := p.parseAccount(a.Data)
	if err != nil {
		return nil, &Undecoded{Kind: "account", Program: p.name, Address: a.Address.String(), Slot: slot, Data: a.Data, Reason: err.Error()}
	}
	js, err := JSON(v)
	if err != nil {
		return nil, &Undecoded{Kind: "account", Program: p.name, Address: a.Address.String(), Slot: slot, Data: a.Data, Reason: err.Error()}
	}
	return &Account{Address: a.Address.String(), Program: p.name, Kind: typeName(v), Data: js, Raw: a.Data, Slot: slot, Value: v}, nil
}

// typeName is a generated struct's name, which is the IDL's name of the event or account.
func typeName(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
