package daemon

import "errors"

var (
	// ErrInvalidConfig wraps every configuration error: a bad flag, env value, file or field.
	ErrInvalidConfig = errors.New("invalid config")
	// ErrShutdownTimeout is returned by Run when tasks outlive the shutdown timeout.
	ErrShutdownTimeout = errors.New("shutdown timed out")
)
