package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// importBatch is how many entities an import writes per transaction.
const importBatch = 1000

func (a *app) datasetImportCmd(dataDir *string) *cobra.Command {
	return &cobra.Command{
		Use:   "import ID [FILE|-]",
		Short: "Write entities (NDJSON or a JSON array) into a dataset through the normal write path",
		Long: "Import reads entities from FILE (or standard input) and writes them as new versions, " +
			"so hashing, versioning and no-op detection apply. The whole input is checked first: " +
			"if any entity is malformed nothing is written.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(_ *cobra.Command, args []string) error {
			if strings.HasPrefix(args[0], "system:") {
				return fmt.Errorf("dataset %q: system: datasets belong to the engine and cannot be imported into", args[0])
			}
			in, cleanup, err := a.importInput(args[1:])
			if err != nil {
				return err
			}
			defer cleanup()
			// First pass: check everything, write nothing.
			n, err := readEntities(in, func([]entity.Entity) error { return nil })
			if err != nil {
				return fmt.Errorf("%w; nothing was imported", err)
			}
			if _, err := in.Seek(0, io.SeekStart); err != nil {
				return err
			}
			st, err := a.openStore(*dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			written, unchanged := 0, 0
			_, err = readEntities(in, func(batch []entity.Entity) error {
				res, err := st.Write(args[0], batch, store.WriteOptions{})
				written += res.Written
				unchanged += res.Unchanged
				return err
			})
			if err != nil {
				return err
			}
			if err := st.Sync(); err != nil {
				return err
			}
			return json.NewEncoder(a.stdout).Encode(map[string]any{
				"dataset": args[0], "read": n, "written": written, "unchanged": unchanged,
			})
		},
	}
}

// importInput opens the named file, or copies standard input to a temporary
// file, so the input can be read twice without holding it in memory.
func (a *app) importInput(args []string) (*os.File, func(), error) {
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	}
	f, err := os.CreateTemp("", "sluice-import-*")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := io.Copy(f, a.stdin); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("read standard input: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, nil, err
	}
	return f, cleanup, nil
}

// readEntities reads NDJSON or a JSON array of entities, checking each, and
// hands them to fn in batches. Errors name the line (NDJSON) or the item
// and its line (arrays).
func readEntities(r io.Reader, fn func([]entity.Entity) error) (int, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	first, err := firstByte(br)
	if err == io.EOF {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if first == '[' {
		return readArray(br, fn)
	}
	return readNDJSON(br, fn)
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.ReadByte()
			continue
		}
		return b[0], nil
	}
}

func readNDJSON(br *bufio.Reader, fn func([]entity.Entity) error) (int, error) {
	var batch []entity.Entity
	n, line := 0, 0
	for {
		text, err := br.ReadBytes('\n')
		if len(text) > 0 {
			line++
			trimmed := bytes.TrimSpace(text)
			if len(trimmed) > 0 {
				if cerr := entity.Check(trimmed); cerr != nil {
					return n, fmt.Errorf("line %d: %w", line, cerr)
				}
				batch = append(batch, bytes.Clone(trimmed))
				n++
				if len(batch) == importBatch {
					if err := fn(batch); err != nil {
						return n, err
					}
					batch = nil
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
	}
	if len(batch) > 0 {
		return n, fn(batch)
	}
	return n, nil
}

func readArray(br *bufio.Reader, fn func([]entity.Entity) error) (int, error) {
	counter := &lineCounter{r: br}
	dec := json.NewDecoder(counter)
	if _, err := dec.Token(); err != nil {
		return 0, err
	}
	var batch []entity.Entity
	n := 0
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return n, fmt.Errorf("item %d (near line %d): %w", n+1, counter.lineAt(dec.InputOffset()), err)
		}
		if err := entity.Check(entity.Entity(raw)); err != nil {
			return n, fmt.Errorf("item %d (line %d): %w", n+1, counter.lineAt(dec.InputOffset()), err)
		}
		var compact bytes.Buffer
		json.Compact(&compact, raw)
		batch = append(batch, compact.Bytes())
		n++
		if len(batch) == importBatch {
			if err := fn(batch); err != nil {
				return n, err
			}
			batch = nil
		}
	}
	if _, err := dec.Token(); err != nil {
		return n, fmt.Errorf("after item %d (near line %d): %w", n, counter.lineAt(dec.InputOffset()), err)
	}
	if len(batch) > 0 {
		return n, fn(batch)
	}
	return n, nil
}

// lineCounter turns byte offsets into line numbers for error messages. The
// decoder asks about ever larger offsets, so line starts already passed are
// only counted, not kept.
type lineCounter struct {
	r      io.Reader
	read   int64
	passed int     // lines that start at or before the last offset asked about
	starts []int64 // offsets of line starts not yet passed
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			c.starts = append(c.starts, c.read+int64(i)+1)
		}
	}
	c.read += int64(n)
	return n, err
}

func (c *lineCounter) lineAt(offset int64) int {
	i := 0
	for i < len(c.starts) && c.starts[i] <= offset {
		i++
	}
	c.passed += i
	c.starts = append(c.starts[:0], c.starts[i:]...)
	return c.passed + 1
}
