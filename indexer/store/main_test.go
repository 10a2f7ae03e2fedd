package store_test

import (
	"testing"

	"github.com/gpunet/gpunet/internal/pg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
