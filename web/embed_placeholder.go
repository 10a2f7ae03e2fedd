//go:build !webapp

package web

import (
	"embed"
	"io/fs"
)

//go:embed placeholder
var placeholder embed.FS

// Built reports whether the binary carries the built app (built with -tags webapp after
// `make web`) rather than the placeholder page.
const Built = false

func files() fs.FS {
	sub, err := fs.Sub(placeholder, "placeholder")
	if err != nil {
		panic(err) // placeholder is embedded: cannot fail
	}
	return sub
}
