package cli

import (
	"encoding/json"
	"fmt"
	"io"
)

// Format is an --output format.
type Format string

// The --output formats: readable lines by default, json and json-compact as in the Solana CLI.
const (
	Text        Format = "text"
	JSON        Format = "json"
	JSONCompact Format = "json-compact"
)

// ParseFormat reads an --output value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, JSON, JSONCompact:
		return f, nil
	}
	return "", fmt.Errorf("--output %q: want text, json or json-compact", s)
}

// Print writes v as JSON in the JSON formats; in Text it calls text, which writes v for people.
func (f Format) Print(w io.Writer, v any, text func(io.Writer) error) error {
	if f == Text {
		return text(w)
	}
	enc := json.NewEncoder(w)
	if f == JSON {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}
