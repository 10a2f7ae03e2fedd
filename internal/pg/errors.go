package pg

import "errors"

// ErrNoPostgres is returned by Start when neither PATH nor /usr/lib/postgresql/*/bin
// has initdb and pg_ctl (scripts/install-deps.sh installs Debian's postgresql).
var ErrNoPostgres = errors.New("postgresql server binaries not found (install the postgresql package: make deps)")
