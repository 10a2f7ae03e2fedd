package gpunet

import "embed"

// IDLs holds idl/<program>.json as built into the binary, for code that decodes the programs'
// instructions by their IDL at run time (the indexer).
//
//go:embed idl/*.json
var IDLs embed.FS
