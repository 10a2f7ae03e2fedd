package idl

import (
	"fmt"
	"strings"
)

// AnchorErrorLog is the line an Anchor program logs when an instruction fails with one of its
// errors (anchor_lang's AnchorError::log, no source location). Anchor's TypeScript client
// parses it (AnchorError.parse) into an AnchorError with the error's name.
func AnchorErrorLog(e ErrorCode) string {
	return fmt.Sprintf("AnchorError occurred. Error Code: %s. Error Number: %d. Error Message: %s.", e.Name, e.Code, e.Msg)
}

// errorLog emits <prefix>_log_error: the program's entrypoint calls it with a failed
// instruction's code, and it logs that code's AnchorErrorLog line. A code the IDL does not
// list (the runtime's builtin errors, n << 32) logs nothing. The switch compiles to a few
// comparisons and the log syscall costs ~100 CU, both on failure only: the function is kept
// out of line, or the compiler folds the entrypoint's success check into the switch's
// comparisons and every successful instruction pays for them.
func (g *cgen) errorLog() error {
	g.P("/* Logs a failed instruction's error as Anchor programs do, so Anchor clients name it:")
	g.P("   \"AnchorError occurred. Error Code: <name>. Error Number: <n>. Error Message: <msg>.\"")
	g.P("   Codes not listed above (builtin errors, n << 32) log nothing. */")
	g.P("static __attribute__((noinline, cold, unused)) void %s_log_error(uint64_t err) {", g.prefix)
	g.P("  switch (err) {")
	for _, e := range g.doc.Errors {
		line := AnchorErrorLog(e)
		if err := checkCString(line); err != nil {
			return fmt.Errorf("error %s: %w", e.Name, err)
		}
		g.P("    case %s: GP_LOG(\"%s\"); break;", g.macro("ERR", Upper(e.Name)), line)
	}
	g.P("  }\n}\n")
	return nil
}

// checkCString refuses text that would need escaping inside a C string literal.
func checkCString(s string) error {
	for _, r := range s {
		if r < ' ' || r > '~' || strings.ContainsRune(`"\`, r) {
			return fmt.Errorf("%q: only printable ASCII without quotes or backslashes fits a C log line", s)
		}
	}
	return nil
}
