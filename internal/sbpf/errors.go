package sbpf

import "errors"

// Sentinel errors. Link wraps them with the offending symbol, section and
// object, so callers can match with errors.Is and users read the details.
var (
	// ErrNotBPFObject: an input is not a 64-bit little-endian BPF ET_REL file.
	ErrNotBPFObject = errors.New("not a BPF relocatable object")
	// ErrWritableData: an input defines writable data (.data, .bss, COMMON).
	ErrWritableData = errors.New("writable data is not supported")
	// ErrUnknownSyscall: an undefined function is not an Agave syscall.
	ErrUnknownSyscall = errors.New("unknown syscall")
	// ErrUndefinedSymbol: a non-call reference to a symbol no input defines.
	ErrUndefinedSymbol = errors.New("undefined symbol")
	// ErrDuplicateSymbol: two inputs define the same global symbol.
	ErrDuplicateSymbol = errors.New("duplicate symbol")
	// ErrNoEntrypoint: the entrypoint symbol is missing or not a function.
	ErrNoEntrypoint = errors.New("entrypoint not found")
	// ErrBadCall: a call does not reach an instruction inside text.
	ErrBadCall = errors.New("invalid call")
	// ErrBadFunctionPointer: a text address does not reach an instruction.
	ErrBadFunctionPointer = errors.New("invalid function pointer")
	// ErrUnsupportedRelocation: a relocation this linker does not handle.
	ErrUnsupportedRelocation = errors.New("unsupported relocation")
)
