package cli

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gpunet/gpunet/client/economy"
)

// Token is a token's symbol and decimals, to show its base units as an amount.
type Token struct {
	Symbol   string
	Decimals uint8
}

// IO and IOSD are gpunet's tokens, with the decimals of the economy's IDL constants.
var (
	IO   = Token{Symbol: "IO", Decimals: economy.IODecimals}
	IOSD = Token{Symbol: "IOSD", Decimals: economy.IOSDDecimals}
)

// Format writes base units as a decimal amount with the symbol: 150000000 IO (8 decimals) is
// "1.5 IO".
func (t Token) Format(units uint64) string {
	r := new(big.Rat).SetFrac(new(big.Int).SetUint64(units), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Decimals)), nil))
	s := r.FloatString(int(t.Decimals))
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + " " + t.Symbol
}

// Parse reads a decimal amount of the token ("1.5", "0.45") as base units, exactly: a sign, an
// exponent, more decimals than the token has or an amount past a u64 is an error.
func (t Token) Parse(s string) (uint64, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || dot && frac == "" || !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("%q is not an amount of %s (digits, optionally one '.' and up to %d decimals)", s, t.Symbol, t.Decimals)
	}
	if len(frac) > int(t.Decimals) {
		return 0, fmt.Errorf("%q has more decimals than %s's %d", s, t.Symbol, t.Decimals)
	}
	units, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", int(t.Decimals)-len(frac)), 10)
	if !ok || !units.IsUint64() {
		return 0, fmt.Errorf("%q %s is more than %s", s, t.Symbol, t.Format(math.MaxUint64))
	}
	return units.Uint64(), nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// WriteFields writes an account (a struct of the generated clients) as "key: value" lines,
// keyed by its JSON paths ("params.baseStake", "params.oracles[0]"). Padding and reserved
// bytes, structs and arrays that are all zero (an empty proposal, unused slots) and an
// array's trailing zero entries are left out. Public keys are base58; tokens names the
// fields in token base units by their path without indices ("prices.price"); integers named
// *Secs are durations, *Bps basis points (multipliers, when named so) and *Time or *At
// unix times.
func WriteFields(w io.Writer, v any, tokens map[string]Token) error {
	var b strings.Builder
	fieldLines(&b, "", "", reflect.ValueOf(v), tokens)
	_, err := io.WriteString(w, b.String())
	return err
}

var stringer = reflect.TypeFor[fmt.Stringer]()

func fieldLines(b *strings.Builder, path, unitPath string, v reflect.Value, tokens map[string]Token) {
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch {
	case v.Type().Implements(stringer):
		fmt.Fprintf(b, "%s: %s\n", path, v.Interface())
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			f := v.Field(i)
			if name == "padding" || name == "reserved" || !v.Type().Field(i).IsExported() || f.IsZero() && isComposite(f) {
				continue
			}
			fieldLines(b, join(path, name), join(unitPath, name), f, tokens)
		}
	case v.Kind() == reflect.Array || v.Kind() == reflect.Slice:
		n := v.Len()
		for n > 0 && v.Index(n-1).IsZero() {
			n--
		}
		for i := range n {
			fieldLines(b, fmt.Sprintf("%s[%d]", path, i), unitPath, v.Index(i), tokens)
		}
	default:
		fmt.Fprintf(b, "%s: %s\n", path, scalar(unitPath, v, tokens))
	}
}

func isComposite(v reflect.Value) bool {
	k := v.Kind()
	return k == reflect.Struct || k == reflect.Array || k == reflect.Slice
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// scalar shows an integer by what its path says it counts.
func scalar(unitPath string, v reflect.Value, tokens map[string]Token) string {
	if t, ok := tokens[unitPath]; ok && v.CanUint() {
		return t.Format(v.Uint())
	}
	var n int64
	switch {
	case v.CanInt():
		n = v.Int()
	case v.CanUint() && v.Uint() <= 1<<63-1:
		n = int64(v.Uint())
	default:
		return fmt.Sprint(v.Interface())
	}
	name := unitPath[strings.LastIndex(unitPath, ".")+1:]
	switch {
	case strings.HasSuffix(name, "Secs"):
		return Duration(n)
	case name == "multiplierBps" || strings.HasSuffix(name, "MultiplierBps"):
		return strconv.FormatFloat(float64(n)/10_000, 'f', -1, 64) + "x"
	case strings.HasSuffix(name, "Bps"):
		return Percent(n)
	case strings.HasSuffix(name, "Time") || strings.HasSuffix(name, "At"):
		if n == 0 {
			return "none"
		}
		return time.Unix(n, 0).UTC().Format(time.RFC3339)
	}
	return strconv.FormatInt(n, 10)
}

// Percent writes basis points as a percentage: 500 is "5%", 25 is "0.25%".
func Percent(bps int64) string { return strconv.FormatFloat(float64(bps)/100, 'f', -1, 64) + "%" }

// Duration writes seconds in days, hours, minutes and seconds: "7d", "1h 30m", "0s".
func Duration(secs int64) string {
	if secs == 0 {
		return "0s"
	}
	sign := ""
	if secs < 0 {
		sign, secs = "-", -secs
	}
	var parts []string
	for _, u := range []struct {
		secs   int64
		suffix string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}} {
		if q := secs / u.secs; q > 0 {
			parts = append(parts, strconv.FormatInt(q, 10)+u.suffix)
			secs -= q * u.secs
		}
	}
	return sign + strings.Join(parts, " ")
}
