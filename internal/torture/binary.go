package torture

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluice-sync/sluice/internal/gobuild"
)

// sluiceBinary returns the binary to torture: the one given, else one built
// from the sluice module the working folder is in.
func sluiceBinary(ctx context.Context, given, tmp string) (string, error) {
	if given != "" {
		abs, err := filepath.Abs(given)
		if err != nil {
			return "", err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return "", fmt.Errorf("--bin: %w", err)
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("--bin %s is not an executable file", given)
		}
		return abs, nil
	}
	if _, err := gobuild.ModuleRoot(); err != nil {
		return "", fmt.Errorf("%w: run from its checkout, or give the binary with --bin", err)
	}
	out := filepath.Join(tmp, "sluice")
	if err := gobuild.Build(ctx, out, "./cmd/sluice"); err != nil {
		return "", err
	}
	return out, nil
}
