package decode

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/gagliardetto/solana-go"
)

// JSON is the one place decoded values become the stored JSON: a generated client's struct
// (or the args decoder's maps) under the generated JSON names, with public keys in base58,
// byte arrays in hex and the padding*, reserved* and bump* fields dropped.
func JSON(v any) (json.RawMessage, error) {
	out, err := json.Marshal(normalize(reflect.ValueOf(v)))
	if err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return out, nil
}

// dropped is whether a field is layout filler rather than data.
func dropped(name string) bool {
	return strings.HasPrefix(name, "padding") || strings.HasPrefix(name, "reserved") || strings.HasPrefix(name, "bump")
}

var pubkeyType = reflect.TypeOf(solana.PublicKey{})

func normalize(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type() == pubkeyType {
		return v.Interface().(solana.PublicKey).String()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return normalize(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if dropped(name) {
				continue
			}
			out[name] = normalize(v.Field(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		iter := v.MapRange()
		for iter.Next() {
			name := fmt.Sprint(iter.Key().Interface())
			if dropped(name) {
				continue
			}
			out[name] = normalize(iter.Value())
		}
		return out
	case reflect.Array, reflect.Slice:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			return hex.EncodeToString(b)
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = normalize(v.Index(i))
		}
		return out
	default:
		return v.Interface()
	}
}

func sortedKeys(m map[solana.PublicKey]bool) []solana.PublicKey {
	out := make([]solana.PublicKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b solana.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return out
}
