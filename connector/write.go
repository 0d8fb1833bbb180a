package connector

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// outputDirs are the folders an expansion writes; each is replaced whole,
// so a datatype dropped from the manifest leaves no stale pipe behind.
var outputDirs = []string{"pipes", "systems"}

// Write writes files into the folder out, creating it if needed. A folder
// that exists must hold nothing but an earlier expansion (by sluice or by
// sesam-py, whose node-metadata.conf.json and <profile>-env.json are
// removed too: sluice's loader would read them as config) and hidden
// files: Write refuses to delete anything else.
func Write(out string, files []File) error {
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("output folder: %w", err)
	}
	var stale []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "."):
		case e.IsDir() && (name == "pipes" || name == "systems"):
			if err := onlyJSON(filepath.Join(out, name)); err != nil {
				return err
			}
			stale = append(stale, name)
		case !e.IsDir() && (name == "node-metadata.conf.json" || strings.HasSuffix(name, "-env.json")):
			stale = append(stale, name)
		default:
			return fmt.Errorf("output folder %s holds %s, which an expansion does not write: give --out an empty or new folder, or one an earlier expansion wrote", out, name)
		}
	}
	for _, name := range stale {
		if err := os.RemoveAll(filepath.Join(out, name)); err != nil {
			return fmt.Errorf("output folder: %w", err)
		}
	}
	for _, dir := range outputDirs {
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			return fmt.Errorf("output folder: %w", err)
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(f.Name)), f.Data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
	}
	return nil
}

// onlyJSON checks that dir holds only .json files (and hidden ones), as
// an expansion leaves it.
func onlyJSON(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	for _, e := range entries {
		if name := e.Name(); !strings.HasPrefix(name, ".") && (e.IsDir() || !strings.HasSuffix(name, ".json")) {
			return fmt.Errorf("output folder: %s holds %s, which an expansion does not write: give --out an empty or new folder, or one an earlier expansion wrote",
				dir, name)
		}
	}
	return nil
}
