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
			st, err := a.openStore(*dataDir, true)
			if err != nil {
				return err
			}
			defer st.Close()
			written, unchanged := 0, 0
			prog := newProgress(a.stderr)
			_, err = readEntities(in, func(batch []entity.Entity) error {
				res, err := st.Write(args[0], batch, store.WriteOptions{})
				written += res.Written
				unchanged += res.Unchanged
				prog.show("sluice: import %s: %d of %d", args[0], written+unchanged, n)
				return err
			})
			prog.done()
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
// and the line it is on (arrays).
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

// firstByte peeks at the first byte that is not white space, consuming
// nothing, so line numbers still count leading blank lines.
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			if err == nil || errors.Is(err, bufio.ErrBufferFull) {
				return '{', nil // a huge run of white space: read it as NDJSON
			}
			return 0, err
		}
		switch b[n-1] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b[n-1], nil
	}
}

// batcher collects entities and hands them on in import batches.
type batcher struct {
	fn    func([]entity.Entity) error
	batch []entity.Entity
	n     int
}

func (b *batcher) add(e entity.Entity) error {
	b.batch = append(b.batch, e)
	b.n++
	if len(b.batch) < importBatch {
		return nil
	}
	err := b.fn(b.batch)
	b.batch = nil
	return err
}

func (b *batcher) flush() (int, error) {
	if len(b.batch) == 0 {
		return b.n, nil
	}
	return b.n, b.fn(b.batch)
}

func readNDJSON(br *bufio.Reader, fn func([]entity.Entity) error) (int, error) {
	b := &batcher{fn: fn}
	for line := 1; ; line++ {
		text, err := br.ReadBytes('\n')
		if trimmed := bytes.TrimSpace(text); len(trimmed) > 0 {
			if cerr := entity.Check(trimmed); cerr != nil {
				return b.n, fmt.Errorf("line %d: %w", line, cerr)
			}
			if aerr := b.add(bytes.Clone(trimmed)); aerr != nil {
				return b.n, aerr
			}
		}
		if errors.Is(err, io.EOF) {
			return b.flush()
		}
		if err != nil {
			return b.n, err
		}
	}
}

func readArray(br *bufio.Reader, fn func([]entity.Entity) error) (int, error) {
	lines := &lineCounter{r: br, line: 1}
	dec := json.NewDecoder(lines)
	if _, err := dec.Token(); err != nil {
		return 0, err
	}
	b := &batcher{fn: fn}
	for dec.More() {
		start := dec.InputOffset()
		line := lines.itemLine(start)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return b.n, fmt.Errorf("item %d (line %d): %w", b.n+1, lines.errorLine(line), err)
		}
		if err := entity.Check(entity.Entity(raw)); err != nil {
			return b.n, fmt.Errorf("item %d (line %d): %w", b.n+1, line, err)
		}
		var compact bytes.Buffer
		json.Compact(&compact, raw)
		if err := b.add(compact.Bytes()); err != nil {
			return b.n, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return b.n, fmt.Errorf("after item %d (line %d): %w", b.n, lines.lineAt(dec.InputOffset()), err)
	}
	return b.flush()
}

// lineCounter turns byte offsets into line numbers for error messages. It
// keeps only the bytes from the start of the current item on, so memory
// does not grow with the input.
type lineCounter struct {
	r     io.Reader
	buf   []byte // input from offset base on
	base  int64
	line  int // the line that base is on
	total int64
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.buf = append(c.buf, p[:n]...)
	c.total += int64(n)
	return n, err
}

// itemLine forgets the input before offset and returns the line of the
// first byte after it that is not white space or a separator.
func (c *lineCounter) itemLine(offset int64) int {
	i := int(min(max(offset-c.base, 0), int64(len(c.buf))))
	c.line += bytes.Count(c.buf[:i], []byte{'\n'})
	c.buf = append(c.buf[:0], c.buf[i:]...)
	c.base += int64(i)
	line := c.line
	for _, b := range c.buf {
		switch b {
		case '\n':
			line++
		case ' ', '\t', '\r', ',':
		default:
			return line
		}
	}
	return line
}

// errorLine finds the line of a syntax error in the current item, whose
// first line is itemLine. The decoder's own offsets count across values, so
// the item is checked again on its own.
func (c *lineCounter) errorLine(itemLine int) int {
	j := bytes.IndexFunc(c.buf, func(r rune) bool { return !strings.ContainsRune(" \t\r\n,", r) })
	if j < 0 {
		return itemLine
	}
	var raw json.RawMessage
	var syn *json.SyntaxError
	if err := json.NewDecoder(bytes.NewReader(c.buf[j:])).Decode(&raw); !errors.As(err, &syn) || syn.Offset < 1 {
		return itemLine
	}
	end := min(j+int(syn.Offset)-1, len(c.buf))
	return c.line + bytes.Count(c.buf[:end], []byte{'\n'})
}

// lineAt is the line of an offset at or after the current item's start.
func (c *lineCounter) lineAt(offset int64) int {
	i := int(min(max(offset-c.base, 0), int64(len(c.buf))))
	return c.line + bytes.Count(c.buf[:i], []byte{'\n'})
}
