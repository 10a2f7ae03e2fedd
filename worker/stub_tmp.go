package worker

import (
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

func statusCommand(io.Writer, *slog.Logger) *cobra.Command { return &cobra.Command{Use: "status"} }
func runCommand(io.Writer) *cobra.Command                   { return &cobra.Command{Use: "run"} }
