package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

func (a *app) dtlCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dtl",
		Short: "Try DTL expressions and rules without a pipe",
	}
	cmd.AddCommand(a.dtlEvalCmd(), a.dtlRunCmd())
	return cmd
}

func (a *app) dtlEvalCmd() *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "eval EXPR [--source FILE|JSON]",
		Short: "Evaluate one DTL expression (JSON) with _S from --source (default {}); print the value as JSON",
		Long: `Evaluate one DTL expression (JSON) and print its value as JSON.

_S is the entity given by --source: inline JSON when the value starts with
"{", else the path of a JSON file; without --source it is {}.`,
		Example: `  sluice dtl eval '["upper", "_S.name"]' --source '{"name": "ada"}'
  sluice dtl eval '["upper", "_S.name"]' --source person.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := pipes.Parse("EXPR", []byte(args[0]))
			if err != nil {
				return err
			}
			e, err := dtl.CompileExpr(n, dtl.Options{})
			if err != nil {
				return err
			}
			src, err := evalSource(source)
			if err != nil {
				return err
			}
			v, err := dtl.EvalExpr(cmd.Context(), e, src, nil)
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(append(dtl.EncodeJSON(v), '\n'))
			return err
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "the entity bound to _S: inline JSON starting with {, or a JSON file")
	return cmd
}

// evalSource reads the value of _S: inline JSON when source starts with
// "{" (after white space), else the JSON file it names, else {}.
func evalSource(source string) (dtl.Value, error) {
	if source == "" {
		return dtl.NewDict(0), nil
	}
	if inline := strings.TrimSpace(source); strings.HasPrefix(inline, "{") {
		// Parse first for an error that says where the JSON breaks.
		if _, err := pipes.Parse("--source", []byte(inline)); err != nil {
			return nil, fmt.Errorf("the inline --source entity is not valid JSON: %w", err)
		}
		v, err := dtl.DecodeJSON([]byte(inline))
		if err != nil {
			return nil, fmt.Errorf("the inline --source entity: %w", err)
		}
		return v, nil
	}
	b, err := os.ReadFile(source)
	if err != nil {
		return nil, fmt.Errorf("--source: %w (give a JSON file, or an inline entity starting with {)", err)
	}
	v, err := dtl.DecodeJSON(bytes.TrimSpace(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return v, nil
}

func (a *app) dtlRunCmd() *cobra.Command {
	var rulesFile string
	cmd := &cobra.Command{
		Use:   "run --rules FILE",
		Short: "Map entities from stdin (JSON array or NDJSON) through DTL rules; write NDJSON to stdout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rulesFile == "" {
				return usageError{errors.New("--rules FILE is required")}
			}
			t, err := loadDTLTransform(rulesFile)
			if err != nil {
				return err
			}
			return RunTransform(cmd.Context(), t, a.stdin, a.stdout)
		},
	}
	cmd.Flags().StringVar(&rulesFile, "rules", "", "a rules object {\"default\": [...]} or a whole {\"type\": \"dtl\", \"rules\": ...} transform")
	return cmd
}

// loadDTLTransform builds the dtl transform a pipe would run from a whole
// {"type": "dtl", ...} config (trigger_on, id_required and all), or from a
// bare rules object with the transform's defaults.
func loadDTLTransform(file string) (component.Transform, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	n, err := pipes.Parse(file, b)
	if err != nil {
		return nil, err
	}
	reg := builtin.Registry()
	var cfg any
	if n.Get("type") != nil { // a whole transform; a rule cannot be named "type"
		c, err := pipes.DecodeComponent(reg, string(component.KindTransform), n)
		if err != nil {
			return nil, err
		}
		if c.Type != "dtl" {
			return nil, pipes.Errorf(n.Get("type"), "expected a transform of type \"dtl\", got %q", c.Type)
		}
		cfg = c.Config
	} else {
		// A bare rules object is the transform {"rules": ...} over the
		// type's defaults, decoded as the config loader would.
		c, _ := reg.NewConfig(string(component.KindTransform), "dtl")
		rules := &pipes.Node{Kind: pipes.Object, Pos: n.Pos, Pointer: n.Pointer,
			Members: []pipes.Member{{Key: "rules", KeyPos: n.Pos, Value: n}}}
		if errs := pipes.Decode(rules, c); errs.HasErrors() {
			return nil, errs
		}
		cfg = c
	}
	return component.Build[component.Transform](reg, component.KindTransform, "dtl", cfg, component.Env{PipeID: "dtl-run"})
}

// runBatch is how many entities RunTransform hands the transform at once.
const runBatch = 256

// RunTransform maps the entities on r through t and writes the results to
// w as NDJSON. NDJSON input streams a line at a time; an array is read item
// by item. Output produced before an error is still written.
func RunTransform(ctx context.Context, t component.Transform, r io.Reader, w io.Writer) (err error) {
	out := bufio.NewWriterSize(w, 1<<16)
	defer func() {
		if ferr := out.Flush(); err == nil {
			err = ferr
		}
	}()
	flush := func(batch []entity.Entity) error {
		if len(batch) == 0 {
			return nil
		}
		res, err := t.Transform(ctx, batch)
		for _, e := range res {
			out.Write(e)
			out.WriteByte('\n')
		}
		return err
	}
	br := bufio.NewReaderSize(r, 1<<16)
	first, err := firstByte(br)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	if first == '[' {
		_, err := readArray(br, flush)
		return err
	}
	// NDJSON: lines are copied into an arena, since the reader reuses its
	// buffer and the transform's output may refer to its input until the
	// batch is written.
	var batch []entity.Entity
	var lines []int
	var arena []byte
	for line := 1; ; line++ {
		text, rerr := br.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			long := append([]byte(nil), text...)
			for errors.Is(rerr, bufio.ErrBufferFull) {
				text, rerr = br.ReadSlice('\n')
				long = append(long, text...)
			}
			text = long
		}
		if t := bytes.TrimSpace(text); len(t) > 0 {
			start := len(arena)
			arena = append(arena, t...)
			batch = append(batch, entity.Entity(arena[start:len(arena):len(arena)]))
			lines = append(lines, line)
		}
		if len(batch) == runBatch || rerr != nil {
			if err := flush(batch); err != nil {
				return badLine(batch, lines, err, flush)
			}
			// The batch is written: its lines' memory can take the next.
			batch, lines, arena = batch[:0], lines[:0], arena[:0]
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// badLine names the input line behind a failed batch when the failure is
// an entity that is not valid JSON, after writing what the entities before
// it give. It looks only after a failure, so good input is decoded once.
func badLine(batch []entity.Entity, lines []int, err error, flush func([]entity.Entity) error) error {
	for i, e := range batch {
		if _, derr := dtl.DecodeEntity(e); derr != nil {
			if ferr := flush(batch[:i]); ferr != nil {
				return ferr
			}
			return fmt.Errorf("line %d: %w", lines[i], derr)
		}
	}
	return err
}
