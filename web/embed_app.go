//go:build webapp

package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Built reports whether the binary carries the built app (built with -tags webapp after
// `make web`) rather than the placeholder page.
const Built = true

func files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded: cannot fail
	}
	return sub
}
