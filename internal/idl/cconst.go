package idl

import "strings"

// cIntSuffix makes each C constant as wide as its IDL type; u8 stays a plain int, which
// compares with int loop counters without sign warnings.
var cIntSuffix = map[string]string{"u8": "", "i8": "", "u16": "u", "i16": "", "u32": "u", "i32": "", "u64": "ull", "i64": "ll"}

// constants defines each IDL constant as <PROGRAM>_<NAME>: integers as literals of their
// type, seeds as a string and its length (REGISTRY_SEED_CONFIG "config",
// REGISTRY_SEED_CONFIG_LEN 6).
func (g *cgen) constants() {
	if len(g.doc.Constants) == 0 {
		return
	}
	g.P("/* Constants (the IDL's \"constants\"). */")
	for _, c := range g.doc.Constants {
		for _, d := range c.Docs {
			g.P("/* %s */", strings.ReplaceAll(d, "*/", "* /"))
		}
		if c.Type.Primitive == "bytes" {
			seed, _ := c.Bytes()
			g.P("#define %s \"%s\"\n#define %s %d", g.macro(c.Name), seed, g.macro(c.Name, "LEN"), len(seed))
			continue
		}
		g.P("#define %s %s%s", g.macro(c.Name), c.Value, cIntSuffix[c.Type.Primitive])
	}
	g.P("")
}
