// Package gpunet embeds the repository root's Anchor.toml, so that binaries know the program ids
// per cluster without the repository at hand (internal/network reads it).
package gpunet

import _ "embed" // Anchor.toml

// AnchorToml is Anchor.toml as built into the binary.
//
//go:embed Anchor.toml
var AnchorToml []byte
