package sbpf

import (
	"bufio"
	"debug/elf"
	"fmt"
	"io"
	"sort"
)

// symbols lists the named functions of all inputs at their text offsets.
func (l *linker) symbols() []Symbol {
	var out []Symbol
	for _, obj := range l.objs {
		for _, s := range obj.syms {
			sec := obj.linked(s.Section)
			if s.Name == "" || elf.ST_TYPE(s.Info) != elf.STT_FUNC || sec == nil || sec.kind != kindText {
				continue
			}
			out = append(out, Symbol{
				Name:   s.Name,
				Offset: sec.out + s.Value,
				Size:   s.Size,
				Global: elf.ST_BIND(s.Info) != elf.STB_LOCAL,
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Offset != out[j].Offset {
			return out[i].Offset < out[j].Offset
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// WriteSymbolMap writes one "offset name" line per function, offset in
// hex bytes from the start of text, sorted by offset.
func (o *Output) WriteSymbolMap(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, s := range o.Symbols {
		if _, err := fmt.Fprintf(bw, "%08x %s\n", s.Offset, s.Name); err != nil {
			return fmt.Errorf("write symbol map: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write symbol map: %w", err)
	}
	return nil
}
