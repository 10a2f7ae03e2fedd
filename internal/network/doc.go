// Package network is gpunet's composition root: the one place that turns a cluster's program
// ids (Anchor.toml, read from a file or built into the binary) into every program
// (onchain/<program>), the IO and IOSD mints and a chain client that knows every program's
// errors. The CLI, the test fixtures and `make dev` get their programs here, so a new binary
// cannot forget an error table or wire the programs to each other differently.
package network
