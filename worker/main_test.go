package worker

import (
	"testing"

	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

// The status test runs a real oracle, which keeps its state in PostgreSQL.
func TestMain(m *testing.M) { pgtest.Main(m) }
