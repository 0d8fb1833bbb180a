package cli

import (
	"fmt"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

func (a *app) printf(format string, args ...any) { fmt.Fprintf(a.stderr, format, args...) }

func unknownPipe(id string, ps []*pipes.Pipe) error {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	if len(ids) == 0 {
		return fmt.Errorf("no pipe %q: the config folder has no pipes", id)
	}
	return fmt.Errorf("no pipe %q (pipes: %s)", id, strings.Join(ids, ", "))
}
