package daemon

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Base is the part of every daemon's configuration that the kit itself uses. A daemon's
// config struct embeds it and adds its own fields, each tagged `key:"name"` (the flag
// name, the file key and, upper-cased, the env suffix), `usage:"..."` and, for values
// that must never be logged, `secret:"true"`.
type Base struct {
	Listen          string        `key:"listen" usage:"address of the /healthz and /metrics listener"`
	LogLevel        string        `key:"log-level" usage:"debug, info, warn or error"`
	ShutdownTimeout time.Duration `key:"shutdown-timeout" usage:"how long running tasks get to stop after a shutdown signal"`
}

// DefaultBase is the kit's default: metrics on localhost, info logs, 10 s to stop.
func DefaultBase() Base {
	return Base{Listen: "127.0.0.1:9090", LogLevel: "info", ShutdownTimeout: 10 * time.Second}
}

// Config is what New accepts: a pointer to a struct embedding Base (which gives it
// DaemonBase) with a Validate method covering its own fields and Base's.
type Config interface {
	DaemonBase() *Base
	Validate() error
}

// DaemonBase gives the kit the embedded Base of any daemon config.
func (b *Base) DaemonBase() *Base { return b }

// Validate checks Base's fields; a daemon's Validate calls it first.
func (b *Base) Validate() error {
	var errs []error
	if b.Listen == "" {
		errs = append(errs, fmt.Errorf("%w: listen is empty", ErrInvalidConfig))
	}
	if _, err := parseLevel(b.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if b.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("%w: shutdown-timeout %s is not positive", ErrInvalidConfig, b.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

// configFlag names the flag (and env suffix) giving the JSON config file.
const configFlag = "config"

// field is one tagged, settable config field.
type field struct {
	key    string
	usage  string
	secret bool
	value  reflect.Value
}

// fields lists the tagged fields of the struct cfg points to, embedded structs first-class.
func fields(cfg any) ([]field, error) {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: config must be a pointer to a struct, not %T", ErrInvalidConfig, cfg)
	}
	var out []field
	var walk func(s reflect.Value)
	walk = func(s reflect.Value) {
		t := s.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
				walk(s.Field(i))
				continue
			}
			if key, ok := sf.Tag.Lookup("key"); ok {
				out = append(out, field{key: key, usage: sf.Tag.Get("usage"), secret: sf.Tag.Get("secret") == "true", value: s.Field(i)})
			}
		}
	}
	walk(v.Elem())
	return out, nil
}

// set parses s into the field's type.
func (f field) set(s string) error {
	v := f.value
	var err error
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		var d time.Duration
		d, err = time.ParseDuration(s)
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		var b bool
		b, err = strconv.ParseBool(s)
		v.SetBool(b)
	case v.CanInt():
		var n int64
		n, err = strconv.ParseInt(s, 10, v.Type().Bits())
		v.SetInt(n)
	case v.CanUint():
		var n uint64
		n, err = strconv.ParseUint(s, 10, v.Type().Bits())
		v.SetUint(n)
	default:
		err = fmt.Errorf("unsupported type %s", v.Type())
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidConfig, f.key, err)
	}
	return nil
}

// rawFlag collects a flag's text; the value is applied after the file and the environment.
type rawFlag struct {
	isBool bool
	text   *string
}

func (r rawFlag) String() string {
	if r.text == nil {
		return ""
	}
	return *r.text
}
func (r rawFlag) Set(s string) error { *r.text = s; return nil }
func (r rawFlag) IsBoolFlag() bool   { return r.isBool }

// EnvName is the environment variable for a key of daemon name:
// EnvName("oracle", "log-level") = "GPUNET_ORACLE_LOG_LEVEL".
func EnvName(name, key string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace("gpunet_" + name + "_" + key))
}

// Load fills cfg, whose current values are the defaults, from the JSON file named by
// -config (or GPUNET_<NAME>_CONFIG), then the environment (GPUNET_<NAME>_<KEY>), then
// the flags in args, each overriding the one before, and validates the result.
func Load(name string, args []string, cfg Config) error {
	fs, err := fields(cfg)
	if err != nil {
		return err
	}
	set := flag.NewFlagSet(name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	file := os.Getenv(EnvName(name, configFlag))
	set.StringVar(&file, configFlag, file, "JSON config file")
	texts := make([]string, len(fs))
	for i, f := range fs {
		set.Var(rawFlag{isBool: f.value.Kind() == reflect.Bool, text: &texts[i]}, f.key, f.usage)
	}
	if err := set.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if set.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", ErrInvalidConfig, set.Args())
	}
	if file != "" {
		if err := loadFile(file, fs); err != nil {
			return err
		}
	}
	for _, f := range fs {
		if s, ok := os.LookupEnv(EnvName(name, f.key)); ok {
			if err := f.set(s); err != nil {
				return fmt.Errorf("env %s: %w", EnvName(name, f.key), err)
			}
		}
	}
	byKey := map[string]int{}
	for i, f := range fs {
		byKey[f.key] = i
	}
	var flagErr error
	set.Visit(func(fl *flag.Flag) {
		if i, ok := byKey[fl.Name]; ok && flagErr == nil {
			flagErr = fs[i].set(texts[i])
		}
	})
	if flagErr != nil {
		return fmt.Errorf("flag: %w", flagErr)
	}
	return cfg.Validate()
}

// loadFile applies a JSON object of key: value; strings are parsed like flags, so
// durations are written "5s". Keys that begin with "//" are comments (JSON has none), so a
// generated file can explain each setting; other unknown keys are refused.
func loadFile(path string, fs []field) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("%w: parse %s: %w", ErrInvalidConfig, path, err)
	}
	known := map[string]field{}
	for _, f := range fs {
		known[f.key] = f
	}
	for key, raw := range obj {
		if strings.HasPrefix(key, "//") {
			continue
		}
		f, ok := known[key]
		if !ok {
			return fmt.Errorf("%w: %s: unknown key %q", ErrInvalidConfig, path, key)
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			err = f.set(s)
		} else {
			err = json.Unmarshal(raw, f.value.Addr().Interface())
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %s: %w", ErrInvalidConfig, path, key, err)
		}
	}
	return nil
}

// Masked is what a secret field is logged as, when set.
const Masked = "***"

// LogAttrs gives cfg's fields as slog attributes for the start-up log line, every
// secret replaced by Masked.
func LogAttrs(cfg any) []any {
	fs, err := fields(cfg)
	if err != nil {
		return []any{slog.String("err", err.Error())}
	}
	attrs := make([]any, 0, len(fs))
	for _, f := range fs {
		if f.secret && !f.value.IsZero() {
			attrs = append(attrs, slog.String(f.key, Masked))
			continue
		}
		if d, ok := f.value.Interface().(time.Duration); ok {
			attrs = append(attrs, slog.String(f.key, d.String()))
			continue
		}
		attrs = append(attrs, slog.Any(f.key, f.value.Interface()))
	}
	return attrs
}

// Entry is one configuration key with its usage and value (a duration as text, as the file
// takes it), for a program that writes a config file.
type Entry struct {
	Key, Usage string
	Value      any
}

// Entries lists cfg's keys in declaration order.
func Entries(cfg any) []Entry {
	fs, err := fields(cfg)
	if err != nil {
		return nil
	}
	out := make([]Entry, len(fs))
	for i, f := range fs {
		out[i] = Entry{Key: f.key, Usage: f.usage, Value: f.value.Interface()}
		if d, ok := out[i].Value.(time.Duration); ok {
			out[i].Value = d.String()
		}
	}
	return out
}

// WantsHelp reports whether args ask for the daemon's help (-h, -help or --help).
func WantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" })
}

// Usage writes the help of daemon gpunet-<name>: what it does, how keys are given, and every
// key of cfg (its defaults) with its meaning and default.
func Usage(w io.Writer, name, what string, cfg any) error {
	fmt.Fprintf(w, `gpunet-%s: %s

Usage: gpunet-%s [-config FILE] [-<key> VALUE ...]
Each key is a flag, a key of the JSON config file and a variable %s; flags override
variables, which override the file.

`, name, what, name, EnvName(name, "<KEY>"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range Entries(cfg) {
		if v := fmt.Sprint(e.Value); v != "" {
			fmt.Fprintf(tw, "  -%s\t%s (default %s)\n", e.Key, e.Usage, v)
		} else {
			fmt.Fprintf(tw, "  -%s\t%s\n", e.Key, e.Usage) // no default: the usage says what is taken
		}
	}
	return tw.Flush()
}

// URLs splits a comma-separated list of base URLs (a config key such as -oracles), trimming
// spaces and trailing slashes and dropping empty entries.
func URLs(list string) []string {
	var out []string
	for _, u := range strings.Split(list, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, strings.TrimSuffix(u, "/"))
		}
	}
	return out
}
