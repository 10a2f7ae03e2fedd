package idl

import (
	"bytes"
	"fmt"
	"go/format"
	"sort"
	"strings"
)

// pdaHelper is one generated Find<Seeds>Address function: a PDA of the program, as one or
// more instruction accounts declare its seeds.
type pdaHelper struct {
	name     string
	params   []string // "device solana.PublicKey"
	seeds    []string // Go expressions of the seeds
	pattern  []string // the seeds as the doc comment shows them
	accounts []string // instruction.account names that use it
}

// pdaHelpers collects the program's own PDAs from its instructions' accounts, one helper per
// distinct seed list, named after its constant seeds (["slash_escrow", record] is
// FindSlashEscrowAddress). Two PDAs with the same constant seeds must take the same kinds of
// other seeds.
func (doc *IDL) pdaHelpers() ([]*pdaHelper, error) {
	byName := map[string]*pdaHelper{}
	for _, ix := range doc.Instructions {
		for _, a := range ix.Accounts {
			if a.PDA == nil || a.PDA.Program != nil {
				continue
			}
			h, err := doc.pdaHelper(ix, a.PDA.Seeds)
			if err != nil {
				return nil, fmt.Errorf("instruction %s account %s: %w", ix.Name, a.Name, err)
			}
			use := ix.Name + "." + a.Name
			if prev, ok := byName[h.name]; ok {
				if strings.Join(prev.seeds, ",") != strings.Join(h.seeds, ",") || strings.Join(prev.params, ",") != strings.Join(h.params, ",") {
					return nil, fmt.Errorf("%s: seeds %v, but %v elsewhere", use, h.pattern, prev.pattern)
				}
				prev.accounts = append(prev.accounts, use)
				continue
			}
			h.accounts = []string{use}
			byName[h.name] = h
		}
	}
	out := make([]*pdaHelper, 0, len(byName))
	for _, h := range byName {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func (doc *IDL) pdaHelper(ix Instruction, seeds []Seed) (*pdaHelper, error) {
	h := &pdaHelper{name: "Find"}
	for _, s := range seeds {
		switch s.Kind {
		case "const":
			c, ok := doc.seedConstant(seedBytes(s.Value))
			if !ok {
				return nil, fmt.Errorf("seed %v is not among the constants", s.Value)
			}
			b, _ := c.Bytes()
			h.name += GoName(strings.ToUpper(string(b)))
			h.seeds = append(h.seeds, fmt.Sprintf("[]byte(%s)", GoName(c.Name)))
			h.pattern = append(h.pattern, fmt.Sprintf("%q", b))
		case "account":
			name := lowerCamel(s.Path[strings.LastIndex(s.Path, ".")+1:])
			h.params = append(h.params, name+" solana.PublicKey")
			h.seeds = append(h.seeds, name+"[:]")
			h.pattern = append(h.pattern, s.Path)
		case "arg":
			t, err := doc.argType(ix, s.Path)
			if err != nil {
				return nil, err
			}
			name := lowerCamel(s.Path[strings.LastIndex(s.Path, ".")+1:])
			goType, expr, err := goSeed(t, name)
			if err != nil {
				return nil, fmt.Errorf("seed %s: %w", s.Path, err)
			}
			h.params = append(h.params, name+" "+goType)
			h.seeds = append(h.seeds, expr)
			h.pattern = append(h.pattern, s.Path)
		default:
			return nil, fmt.Errorf("seed kind %q unsupported", s.Kind)
		}
	}
	if h.name == "Find" {
		return nil, fmt.Errorf("a PDA needs a constant seed to be named by")
	}
	h.name += "Address"
	return h, nil
}

// argType resolves an argument path ("job_id", "report.window") to its type.
func (doc *IDL) argType(ix Instruction, path string) (Type, error) {
	parts := strings.Split(path, ".")
	var fields []Field = ix.Args
	var t Type
	for i, part := range parts {
		found := false
		for _, f := range fields {
			if f.Name == part {
				t, found = f.Type, true
				break
			}
		}
		if !found {
			return Type{}, fmt.Errorf("seed arg %s: no %s", path, part)
		}
		if i < len(parts)-1 {
			def := doc.Type(t.Defined)
			if def == nil {
				return Type{}, fmt.Errorf("seed arg %s: %s is not a struct", path, part)
			}
			fields = def.Type.Fields
		}
	}
	return t, nil
}

// goSeed returns the Go type of a seed argument and the expression of its seed bytes (integers
// little-endian, as the programs encode them).
func goSeed(t Type, name string) (goType, expr string, err error) {
	switch {
	case t.Array != nil && t.Array.Primitive == "u8":
		return fmt.Sprintf("[%d]byte", t.Len), name + "[:]", nil
	case t.Primitive == "pubkey":
		return "solana.PublicKey", name + "[:]", nil
	case t.Primitive == "u8":
		return "uint8", "[]byte{" + name + "}", nil
	case t.Primitive == "u16" || t.Primitive == "u32" || t.Primitive == "u64":
		bits := strings.TrimPrefix(t.Primitive, "u")
		return "uint" + bits, fmt.Sprintf("binary.LittleEndian.AppendUint%s(nil, %s)", bits, name), nil
	case t.Primitive == "string":
		return "string", "[]byte(" + name + ")", nil
	}
	return "", "", fmt.Errorf("type %+v unsupported as a seed", t)
}

// wrapComment renders text as // lines of at most width characters.
func wrapComment(text string, width int) string {
	var b strings.Builder
	line := "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > width && line != "//" {
			b.WriteString(line + "\n")
			line = "//"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
	return b.String()
}

// lowerCamel turns snake_case into a Go parameter name: job_id is jobID.
func lowerCamel(snake string) string {
	parts := strings.SplitN(snake, "_", 2)
	out := strings.ToLower(parts[0])
	if len(parts) == 2 {
		out += GoName(strings.ToUpper(parts[1]))
	}
	return out
}

// goPDAs renders client/<name>/pda.go: a Find<Seeds>Address function per PDA, which takes the
// program id (so it serves any cluster) and returns the address and its canonical bump.
func (doc *IDL) goPDAs(pkg, source string) ([]byte, error) {
	helpers, err := doc.pdaHelpers()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%sgpunet idlgen from %s. DO NOT EDIT.\n\npackage %s\n\n", generatedMarker, source, pkg)
	body := new(bytes.Buffer)
	for _, h := range helpers {
		fmt.Fprintf(body, "// %s derives the PDA [%s] of programID and its canonical bump.\n", h.name, strings.Join(h.pattern, ", "))
		body.WriteString(wrapComment("The account "+strings.Join(h.accounts, ", ")+".", 100))
		fmt.Fprintf(body, "func %s(%s) (solana.PublicKey, uint8, error) {\n", h.name, strings.Join(append([]string{"programID solana.PublicKey"}, h.params...), ", "))
		fmt.Fprintf(body, "\treturn solana.FindProgramAddress([][]byte{%s}, programID)\n}\n\n", strings.Join(h.seeds, ", "))
	}
	b.WriteString("import (\n")
	if strings.Contains(body.String(), "binary.") {
		b.WriteString("\t\"encoding/binary\"\n\n")
	}
	b.WriteString("\t\"github.com/gagliardetto/solana-go\"\n)\n\n")
	b.Write(body.Bytes())
	return format.Source(b.Bytes())
}
