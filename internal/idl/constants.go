package idl

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// intBits are the integer constant types and their widths; bytes constants are PDA seeds.
var intBits = map[string]int{"u8": 8, "u16": 16, "u32": 32, "u64": 64, "i8": 8, "i16": 16, "i32": 32, "i64": 64}

var constantName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// Bytes returns the value of a bytes constant.
func (c Constant) Bytes() ([]byte, error) {
	var v []int
	if err := json.Unmarshal([]byte(c.Value), &v); err != nil {
		return nil, fmt.Errorf("constant %s: bytes value %q: %w", c.Name, c.Value, err)
	}
	out := make([]byte, len(v))
	for i, x := range v {
		if x < 0 || x > 255 {
			return nil, fmt.Errorf("constant %s: byte %d out of range", c.Name, x)
		}
		out[i] = byte(x)
	}
	return out, nil
}

// checkValue verifies that an integer constant's value fits its type.
func (c Constant) checkValue() error {
	bits, ok := intBits[c.Type.Primitive]
	if !ok {
		return fmt.Errorf("constant %s: type %q unsupported (integers and bytes)", c.Name, c.Type.Primitive)
	}
	var err error
	if strings.HasPrefix(c.Type.Primitive, "u") {
		_, err = strconv.ParseUint(c.Value, 10, bits)
	} else {
		_, err = strconv.ParseInt(c.Value, 10, bits)
	}
	if err != nil {
		return fmt.Errorf("constant %s: value %q is not a %s", c.Name, c.Value, c.Type.Primitive)
	}
	return nil
}

// checkConstants verifies names, types and values, and that every constant seed of the
// program's own PDAs is one of the constants, so clients and programs share one spelling.
func (doc *IDL) checkConstants() error {
	seen := map[string]bool{}
	seeds := map[string]bool{}
	for _, c := range doc.Constants {
		if !constantName.MatchString(c.Name) || seen[c.Name] {
			return fmt.Errorf("constant %q: name must be SCREAMING_SNAKE_CASE and unique", c.Name)
		}
		seen[c.Name] = true
		if c.Type.Primitive != "bytes" {
			if err := c.checkValue(); err != nil {
				return err
			}
			continue
		}
		b, err := c.Bytes()
		if err != nil {
			return err
		}
		if _, ok := identifierText(b); !ok {
			return fmt.Errorf("constant %s: bytes must be a seed of a-z, 0-9 and _", c.Name)
		}
		seeds[string(b)] = true
	}
	for _, ix := range doc.Instructions {
		for _, a := range ix.Accounts {
			if a.PDA == nil || a.PDA.Program != nil {
				continue
			}
			for _, s := range a.PDA.Seeds {
				if s.Kind == "const" && !seeds[string(seedBytes(s.Value))] {
					return fmt.Errorf("instruction %s account %s: seed %v is not among the constants", ix.Name, a.Name, s.Value)
				}
			}
		}
	}
	return nil
}

// identifierText returns a seed as text when it is a-z, 0-9 and _ only.
func identifierText(b []byte) (string, bool) {
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_') {
			return "", false
		}
	}
	return string(b), len(b) > 0
}

func seedBytes(v []int) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// seedConstant returns the bytes constant whose value is seed.
func (doc *IDL) seedConstant(seed []byte) (Constant, bool) {
	for _, c := range doc.Constants {
		if b, err := c.Bytes(); c.Type.Primitive == "bytes" && err == nil && string(b) == string(seed) {
			return c, true
		}
	}
	return Constant{}, false
}

// goInitialisms stay upper case in Go names, as Go spells them.
var goInitialisms = map[string]bool{"CPU": true, "ID": true, "IO": true, "IOSD": true, "PDA": true, "URI": true, "USD": true}

// GoName turns a SCREAMING_SNAKE_CASE name into a Go name: MODEL_RTX4090 is ModelRTX4090,
// IO_DECIMALS is IODecimals, MODEL_A100_80G is ModelA100_80G (an underscore stays between two
// digits, where dropping it would change the number).
func GoName(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part == "" {
			continue
		}
		if s := b.String(); s != "" && isDigit(s[len(s)-1]) && isDigit(part[0]) {
			b.WriteByte('_')
		}
		if goInitialisms[part] || strings.ContainsAny(part, "0123456789") {
			b.WriteString(part)
		} else {
			b.WriteString(part[:1] + strings.ToLower(part[1:]))
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

var goIntTypes = map[string]string{"u8": "uint8", "u16": "uint16", "u32": "uint32", "u64": "uint64", "i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64"}

// goConstants renders client/<name>/constants.go: each integer constant typed as its IDL type,
// each seed as a string constant ([]byte(SeedConfig) is the seed).
func (doc *IDL) goConstants(pkg, source string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%sgpunet idlgen from %s. DO NOT EDIT.\n\npackage %s\n\n", generatedMarker, source, pkg)
	fmt.Fprintf(&b, "// The program's constants (the IDL's \"constants\").\nconst (\n")
	for _, c := range doc.Constants {
		for _, d := range c.Docs {
			fmt.Fprintf(&b, "\t// %s\n", d)
		}
		if c.Type.Primitive == "bytes" {
			seed, _ := c.Bytes()
			fmt.Fprintf(&b, "\t%s = %q\n", GoName(c.Name), seed)
			continue
		}
		fmt.Fprintf(&b, "\t%s %s = %s\n", GoName(c.Name), goIntTypes[c.Type.Primitive], c.Value)
	}
	b.WriteString(")\n")
	return []byte(b.String())
}
