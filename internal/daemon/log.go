package daemon

import (
	"fmt"
	"io"
	"log/slog"
)

// parseLevel maps a log-level setting to its slog level.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%w: log-level %q: want debug, info, warn or error", ErrInvalidConfig, s)
	}
	return l, nil
}

// NewLogger is a JSON slog logger at level writing to w, every line carrying
// component=name. Sub-components add their own with log.With("component", ...).
func NewLogger(w io.Writer, level string, name string) (*slog.Logger, error) {
	l, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})).With("component", name), nil
}
