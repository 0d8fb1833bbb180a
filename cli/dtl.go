package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

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
		Use:   "eval EXPR",
		Short: "Evaluate one DTL expression (JSON) with _S from --source (default {}); print the value as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := pipes.Parse("EXPR", []byte(args[0]))
			if err != nil {
				return err
			}
			e, err := dtl.CompileExpr(n, dtl.Options{})
			if err != nil {
				return err
			}
			var src dtl.Value = dtl.NewDict(0)
			if source != "" {
				b, err := os.ReadFile(source)
				if err != nil {
					return err
				}
				if src, err = dtl.DecodeJSON(bytes.TrimSpace(b)); err != nil {
					return fmt.Errorf("%s: %w", source, err)
				}
			}
			v, err := dtl.EvalExpr(cmd.Context(), e, src, nil)
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(append(dtl.EncodeJSON(v), '\n'))
			return err
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "a JSON file whose value is bound to _S")
	return cmd
}

func (a *app) dtlRunCmd() *cobra.Command {
	var rulesFile string
	cmd := &cobra.Command{
		Use:   "run --rules FILE",
		Short: "Map entities from stdin (JSON array or NDJSON) through DTL rules; write NDJSON to stdout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rulesFile == "" {
				return errors.New("--rules FILE is required")
			}
			prog, err := loadRules(rulesFile)
			if err != nil {
				return err
			}
			return RunRules(cmd.Context(), prog, a.stdin, a.stdout)
		},
	}
	cmd.Flags().StringVar(&rulesFile, "rules", "", "a rules object {\"default\": [...]} or a whole {\"type\": \"dtl\", \"rules\": ...} transform")
	return cmd
}

// loadRules reads a rules object, or a dtl transform config holding one.
func loadRules(file string) (*dtl.Program, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	n, err := pipes.Parse(file, b)
	if err != nil {
		return nil, err
	}
	if t := n.Get("type"); t != nil && n.Get("rules") != nil {
		if t.Kind != pipes.String || t.Str != "dtl" {
			return nil, pipes.Errorf(t, "expected a transform of type \"dtl\", got %s", t.Describe())
		}
		n = n.Get("rules")
	}
	return dtl.Compile(n, dtl.Options{})
}

// RunRules maps the entities on r through prog and writes the results to w
// as NDJSON. NDJSON input streams one line at a time; an array is read
// whole-item by item.
func RunRules(ctx context.Context, prog *dtl.Program, r io.Reader, w io.Writer) error {
	out := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	one := func(e []byte) error {
		res, err := prog.RunJSON(ctx, e)
		if err != nil {
			return err
		}
		for _, d := range res.Entities() {
			buf = append(dtl.AppendJSON(buf[:0], d), '\n')
			if _, err := out.Write(buf); err != nil {
				return err
			}
		}
		res.Release()
		return nil
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
		_, err := readArray(br, func(batch []entity.Entity) error {
			for _, e := range batch {
				if err := one(e); err != nil {
					id, _ := entity.ID(e)
					return fmt.Errorf("entity %q: %w", id, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return out.Flush()
	}
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
			if err := one(t); err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
		}
		if rerr == io.EOF {
			return out.Flush()
		}
		if rerr != nil {
			return rerr
		}
	}
}
