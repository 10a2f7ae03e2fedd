package idl

import "fmt"

// fixedSizes are the primitives a zero-copy layout may hold. Each is aligned to its size in
// both the BPF and the x86-64 C ABI (a pubkey is a byte array), which is what lets the
// generated C structs be their own borsh encoding.
var fixedSizes = map[string]int{
	"bool": 1, "u8": 1, "i8": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4,
	"u64": 8, "i64": 8, "pubkey": 32,
}

func alignOf(primitive string) int {
	if primitive == "pubkey" {
		return 1
	}
	return fixedSizes[primitive]
}

// FieldLayout is where one field of a zero-copy struct sits.
type FieldLayout struct {
	Field  Field
	Offset int
	Size   int
}

// StructLayout is a zero-copy struct: its fields, size and alignment.
type StructLayout struct {
	Fields []FieldLayout
	Size   int
	Align  int
}

// typeLayout returns the size and alignment of a fixed-size type, or an error for one that
// has no fixed size.
func (doc *IDL) typeLayout(t Type) (size, align int, err error) {
	switch {
	case t.Array != nil:
		s, a, err := doc.typeLayout(*t.Array)
		return s * t.Len, a, err
	case t.Defined != "":
		l, err := doc.zeroCopyLayout(t.Defined, 0)
		if err != nil {
			return 0, 0, err
		}
		return l.Size, l.Align, nil
	case t.Option != nil:
		return 0, 0, fmt.Errorf("option has no fixed layout")
	}
	size, ok := fixedSizes[t.Primitive]
	if !ok {
		return 0, 0, fmt.Errorf("type %q has no fixed layout", t.Primitive)
	}
	return size, alignOf(t.Primitive), nil
}

// zeroCopyLayout lays out a defined struct starting at base (8 for accounts and events, whose
// u64 discriminator comes first) and refuses any implicit padding.
func (doc *IDL) zeroCopyLayout(name string, base int) (*StructLayout, error) {
	def := doc.Type(name)
	if def == nil {
		return nil, fmt.Errorf("undefined type %s", name)
	}
	l := &StructLayout{Align: 1}
	if base > 0 {
		l.Align = 8
	}
	off := base
	for _, f := range def.Type.Fields {
		size, align, err := doc.typeLayout(f.Type)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", name, f.Name, err)
		}
		if off%align != 0 {
			return nil, fmt.Errorf("%s.%s: offset %d is not %d-aligned: reorder fields or add explicit padding", name, f.Name, off, align)
		}
		l.Fields = append(l.Fields, FieldLayout{Field: f, Offset: off - base, Size: size})
		off += size
		l.Align = max(l.Align, align)
	}
	l.Size = off - base
	if off%l.Align != 0 {
		return nil, fmt.Errorf("%s: size %d is not a multiple of its alignment %d: add explicit padding", name, off, l.Align)
	}
	return l, nil
}

// argLayout checks an instruction argument type: fixed-size types, string, bytes, and options
// of fixed-size types. It returns the fixed size, or -1 for variable-length arguments.
func (doc *IDL) argLayout(t Type) (int, error) {
	switch {
	case t.Primitive == "string" || t.Primitive == "bytes":
		return -1, nil
	case t.Option != nil:
		if _, _, err := doc.typeLayout(*t.Option); err != nil {
			return 0, fmt.Errorf("option: %w", err)
		}
		return -1, nil
	}
	size, _, err := doc.typeLayout(t)
	return size, err
}
