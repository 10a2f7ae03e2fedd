package idl

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// IDL is the subset of the Anchor 0.30 IDL format that gpunet's programs use.
type IDL struct {
	Address      string        `json:"address"`
	Metadata     Metadata      `json:"metadata"`
	Instructions []Instruction `json:"instructions"`
	Accounts     []Named       `json:"accounts"`
	Events       []Named       `json:"events"`
	Errors       []ErrorCode   `json:"errors"`
	Types        []TypeDef     `json:"types"`
	Constants    []Constant    `json:"constants"`
}

type Metadata struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Spec        string `json:"spec"`
	Description string `json:"description"`
}

type Instruction struct {
	Name          string               `json:"name"`
	Docs          []string             `json:"docs"`
	Discriminator Discriminator        `json:"discriminator"`
	Accounts      []InstructionAccount `json:"accounts"`
	Args          []Field              `json:"args"`
}

type InstructionAccount struct {
	Name     string   `json:"name"`
	Docs     []string `json:"docs"`
	Writable bool     `json:"writable"`
	Signer   bool     `json:"signer"`
	Optional bool     `json:"optional"`
	Address  string   `json:"address"`
	PDA      *PDA     `json:"pda"`
}

type PDA struct {
	Seeds []Seed `json:"seeds"`
	// Program is set when the PDA belongs to another program (a seed naming that program).
	Program *Seed `json:"program"`
}

// Seed is one PDA seed: a constant ("const", Value) or another account or argument ("account"/"arg", Path).
type Seed struct {
	Kind  string `json:"kind"`
	Value []int  `json:"value"`
	Path  string `json:"path"`
}

// Named is an account or event entry: a name (of a type in Types) and its discriminator.
type Named struct {
	Name          string        `json:"name"`
	Discriminator Discriminator `json:"discriminator"`
}

// Constant is one of the IDL's "constants": an integer, or bytes (a PDA seed) written as a
// JSON array in a string, as Anchor writes them.
type Constant struct {
	Name  string   `json:"name"`
	Docs  []string `json:"docs"`
	Type  Type     `json:"type"`
	Value string   `json:"value"`
}

type ErrorCode struct {
	Code uint32 `json:"code"`
	Name string `json:"name"`
	Msg  string `json:"msg"`
}

type TypeDef struct {
	Name string   `json:"name"`
	Docs []string `json:"docs"`
	Type struct {
		Kind   string  `json:"kind"`
		Fields []Field `json:"fields"`
	} `json:"type"`
}

type Field struct {
	Name string   `json:"name"`
	Docs []string `json:"docs"`
	Type Type     `json:"type"`
}

// Discriminator is the 8-byte prefix Anchor puts on instructions, accounts and events.
type Discriminator [8]byte

func (d *Discriminator) UnmarshalJSON(b []byte) error {
	var v []int
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("discriminator: %w", err)
	}
	if len(v) != 8 {
		return fmt.Errorf("discriminator has %d bytes, want 8", len(v))
	}
	for i, x := range v {
		if x < 0 || x > 255 {
			return fmt.Errorf("discriminator byte %d out of range", x)
		}
		d[i] = byte(x)
	}
	return nil
}

// Type is an IDL type: a primitive name, or one of array, defined, option.
type Type struct {
	Primitive string // "u8", "u64", "pubkey", "string", "bytes", ...
	Array     *Type
	Len       int
	Defined   string
	Option    *Type
}

func (t *Type) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &t.Primitive); err == nil {
		return nil
	}
	var obj struct {
		Array   []json.RawMessage `json:"array"`
		Defined *struct {
			Name string `json:"name"`
		} `json:"defined"`
		Option *Type `json:"option"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("type %s: %w", b, err)
	}
	switch {
	case obj.Array != nil:
		if len(obj.Array) != 2 {
			return fmt.Errorf("array type %s: want [type, length]", b)
		}
		t.Array = new(Type)
		if err := json.Unmarshal(obj.Array[0], t.Array); err != nil {
			return err
		}
		if err := json.Unmarshal(obj.Array[1], &t.Len); err != nil || t.Len <= 0 {
			return fmt.Errorf("array type %s: length must be a positive integer", b)
		}
	case obj.Defined != nil:
		t.Defined = obj.Defined.Name
	case obj.Option != nil:
		t.Option = obj.Option
	default:
		return fmt.Errorf("unsupported type %s", b)
	}
	return nil
}

// Load reads and checks one IDL file.
func Load(path string) (*IDL, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read idl: %w", err)
	}
	var doc IDL
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse idl %s: %w", path, err)
	}
	if err := doc.Check(); err != nil {
		return nil, fmt.Errorf("check idl %s: %w", path, err)
	}
	return &doc, nil
}

// Sighash returns Anchor's discriminator for a namespace ("global", "account", "event") and name.
func Sighash(namespace, name string) Discriminator {
	h := sha256.Sum256([]byte(namespace + ":" + name))
	var d Discriminator
	copy(d[:], h[:8])
	return d
}

// Type returns the type definition with the given name, or nil.
func (doc *IDL) Type(name string) *TypeDef {
	for i := range doc.Types {
		if doc.Types[i].Name == name {
			return &doc.Types[i]
		}
	}
	return nil
}

// Check verifies what a hand-written IDL can get wrong: discriminators, names, error codes and
// the zero-copy layouts of accounts and events.
func (doc *IDL) Check() error {
	if doc.Metadata.Name == "" || doc.Metadata.Spec == "" {
		return fmt.Errorf("metadata.name and metadata.spec are required (Anchor 0.30 format)")
	}
	for _, ix := range doc.Instructions {
		if want := Sighash("global", ix.Name); ix.Discriminator != want {
			return fmt.Errorf("instruction %s: discriminator %v, want %v", ix.Name, ix.Discriminator[:], want[:])
		}
		if len(ix.Accounts) > 32 {
			return fmt.Errorf("instruction %s: %d accounts, at most 32", ix.Name, len(ix.Accounts))
		}
		for _, a := range ix.Args {
			if _, err := doc.argLayout(a.Type); err != nil {
				return fmt.Errorf("instruction %s arg %s: %w", ix.Name, a.Name, err)
			}
		}
	}
	for _, list := range []struct {
		namespace string
		items     []Named
	}{{"account", doc.Accounts}, {"event", doc.Events}} {
		for _, n := range list.items {
			if want := Sighash(list.namespace, n.Name); n.Discriminator != want {
				return fmt.Errorf("%s %s: discriminator %v, want %v", list.namespace, n.Name, n.Discriminator[:], want[:])
			}
			if doc.Type(n.Name) == nil {
				return fmt.Errorf("%s %s: no type of that name", list.namespace, n.Name)
			}
			// The discriminator is a u64 in front of the fields, so layouts are checked from offset 8.
			if _, err := doc.zeroCopyLayout(n.Name, 8); err != nil {
				return fmt.Errorf("%s %s: %w", list.namespace, n.Name, err)
			}
		}
	}
	seen := map[uint32]bool{}
	for _, e := range doc.Errors {
		if e.Code < 6000 || seen[e.Code] {
			return fmt.Errorf("error %s: code %d is below 6000 or repeated", e.Name, e.Code)
		}
		seen[e.Code] = true
	}
	if err := doc.checkConstants(); err != nil {
		return err
	}
	for _, t := range doc.Types {
		if t.Type.Kind != "struct" {
			return fmt.Errorf("type %s: kind %q unsupported (structs only)", t.Name, t.Type.Kind)
		}
	}
	return nil
}

// Upper returns NAME_IN_CAPS for a snake_case or CamelCase name.
func Upper(name string) string { return strings.ToUpper(Snake(name)) }

// Snake returns snake_case for a CamelCase or snake_case name.
func Snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && name[i-1] != '_' {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
