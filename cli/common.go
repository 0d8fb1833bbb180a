package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// configFlags are the flags of commands that load the config folder.
type configFlags struct {
	dir     string
	secrets string
}

func (f *configFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "config", ".", "the config folder (*.json files holding pipes and systems)")
	cmd.Flags().StringVar(&f.secrets, "secrets", "", "a JSON object file of secrets for $SECRET(name); SLUICE_SECRET_<name> variables also work")
}

// load reads the config folder, printing every problem and warning. A
// config with problems fails with a reportedError around its pipes.Errors.
func (a *app) load(f *configFlags) (*pipes.Config, error) {
	cfg, err := loadConfig(f)
	if cfg != nil {
		for _, w := range cfg.Warnings {
			fmt.Fprintln(a.stderr, cfg.Redact(w.Error())) // the message itself says "warning:"
		}
	}
	var problems pipes.Errors
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(a.stderr, p)
		}
		fmt.Fprintf(a.stderr, "%d problem%s in %s\n", len(problems), plural(len(problems)), f.dir)
		return nil, reportedError{err}
	}
	return cfg, err
}

// loadConfig reads the config folder and prints nothing, for the service's
// reloads. A config with problems comes back as far as it loaded, with
// the problems as a pipes.Errors whose messages have the secrets redacted.
func loadConfig(f *configFlags) (*pipes.Config, error) {
	secrets, err := secretsLookup(f.secrets)
	if err != nil {
		return nil, err
	}
	cfg, err := pipes.Load(f.dir, pipes.Options{Types: builtin.Registry(), Secrets: secrets})
	var problems pipes.Errors
	if cfg != nil && errors.As(err, &problems) {
		redacted := make(pipes.Errors, len(problems))
		for i, p := range problems {
			c := *p
			c.Msg = cfg.Redact(c.Msg)
			redacted[i] = &c
		}
		return cfg, redacted
	}
	return cfg, err
}

// secretsLookup reads $SECRET(name) from SLUICE_SECRET_<name>, then from the
// secrets file.
func secretsLookup(file string) (pipes.Lookup, error) {
	values := map[string]string{}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("secrets file: %w", err)
		}
		if err := json.Unmarshal(b, &values); err != nil {
			return nil, fmt.Errorf("secrets file %s: must be a JSON object of strings: %w", file, err)
		}
	}
	return func(name string) (string, bool) {
		if v, ok := os.LookupEnv("SLUICE_SECRET_" + name); ok {
			return v, true
		}
		v, ok := values[name]
		return v, ok
	}, nil
}

// openStore opens the data folder, explaining a folder held by another
// process. Commands that only read pass create false, so a mistyped --data
// is reported instead of silently becoming a new, empty folder.
func (a *app) openStore(dir string, create bool) (*store.Store, error) {
	if !create {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no data folder %s (give the right one with --data)", dir)
		}
	}
	st, err := store.Open(dir, a.storeOptions())
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("the data folder %s is in use by another sluice process (a running service or another command)", dir)
	}
	return st, err
}

// storeOptions are the store's options from the common flags.
func (a *app) storeOptions() store.Options {
	return store.Options{Logger: a.logger(), MinFree: a.minFree.n, FreeSpace: a.freeSpace}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
