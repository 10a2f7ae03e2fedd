package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/idl"
)

// errShort is data that ends before its layout does.
var errShort = errors.New("data too short")

// argReader decodes Borsh by an IDL's types: the instructions' arguments, for which the
// generated clients have builders but no decoders. The values have the generated clients'
// JSON names (lower camel case of the IDL's snake case).
type argReader struct {
	doc *idl.IDL
	b   []byte
}

func (r *argReader) take(n int) ([]byte, error) {
	if n < 0 || len(r.b) < n {
		return nil, errShort
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out, nil
}

func (r *argReader) fields(fields []idl.Field) (map[string]any, error) {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		v, err := r.value(f.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		out[lowerCamel(f.Name)] = v
	}
	return out, nil
}

func (r *argReader) value(t idl.Type) (any, error) {
	switch {
	case t.Array != nil:
		if t.Array.Primitive == "u8" {
			b, err := r.take(t.Len)
			return b, err
		}
		out := make([]any, t.Len)
		for i := range out {
			v, err := r.value(*t.Array)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case t.Option != nil:
		tag, err := r.take(1)
		if err != nil {
			return nil, err
		}
		if tag[0] == 0 {
			return nil, nil
		}
		return r.value(*t.Option)
	case t.Defined != "":
		def := r.doc.Type(t.Defined)
		if def == nil || def.Type.Kind != "struct" {
			return nil, fmt.Errorf("type %s is no struct of the IDL", t.Defined)
		}
		return r.fields(def.Type.Fields)
	}
	size := map[string]int{"u8": 1, "i8": 1, "bool": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4, "u64": 8, "i64": 8, "pubkey": 32}
	switch t.Primitive {
	case "string", "bytes":
		n, err := r.take(4)
		if err != nil {
			return nil, err
		}
		b, err := r.take(int(binary.LittleEndian.Uint32(n)))
		if err != nil {
			return nil, err
		}
		if t.Primitive == "bytes" {
			return b, nil
		}
		if !utf8.Valid(b) {
			return nil, errors.New("string is not UTF-8")
		}
		return string(b), nil
	}
	n, ok := size[t.Primitive]
	if !ok {
		return nil, fmt.Errorf("type %q is not decoded", t.Primitive)
	}
	b, err := r.take(n)
	if err != nil {
		return nil, err
	}
	switch t.Primitive {
	case "u8":
		return b[0], nil
	case "i8":
		return int8(b[0]), nil
	case "bool":
		if b[0] > 1 {
			return nil, fmt.Errorf("bool %d", b[0])
		}
		return b[0] == 1, nil
	case "u16":
		return binary.LittleEndian.Uint16(b), nil
	case "i16":
		return int16(binary.LittleEndian.Uint16(b)), nil
	case "u32":
		return binary.LittleEndian.Uint32(b), nil
	case "i32":
		return int32(binary.LittleEndian.Uint32(b)), nil
	case "u64":
		return binary.LittleEndian.Uint64(b), nil
	case "i64":
		return int64(binary.LittleEndian.Uint64(b)), nil
	default: // pubkey
		return solana.PublicKeyFromBytes(b), nil
	}
}

// lowerCamel is the generated clients' JSON name of an IDL name: register_device ->
// registerDevice.
func lowerCamel(snake string) string {
	parts := strings.Split(snake, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
