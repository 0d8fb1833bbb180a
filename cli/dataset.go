package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/store"
)

func (a *app) datasetCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{Use: "dataset", Short: "Inspect and import datasets in the data folder"}
	cmd.PersistentFlags().StringVar(&dataDir, "data", "./sluice-data", "the data folder")
	cmd.AddCommand(a.datasetListCmd(&dataDir), a.datasetEntitiesCmd(&dataDir), a.datasetImportCmd(&dataDir))
	return cmd
}

func (a *app) datasetListCmd(dataDir *string) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List datasets with their counts",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			st, err := a.openStore(*dataDir, false)
			if err != nil {
				return err
			}
			defer st.Close()
			var infos []store.Info
			for _, i := range st.Datasets() {
				if all || !strings.HasPrefix(i.Name, "system:") {
					infos = append(infos, i)
				}
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				for _, i := range infos {
					if err := enc.Encode(i); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DATASET\tENTITIES\tDELETED\tVERSIONS\tLAST OFFSET\tPOPULATED")
			for _, i := range infos {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%v\n", i.Name, i.Entities, i.Deleted, i.Versions, i.LastOffset(), i.Populated)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per dataset")
	cmd.Flags().BoolVar(&all, "all", false, "include sluice's own system: datasets (pump execution logs, receiver logs)")
	return cmd
}

func (a *app) datasetEntitiesCmd(dataDir *string) *cobra.Command {
	var since int64
	var limit int
	var history, deleted bool
	cmd := &cobra.Command{
		Use:   "entities ID",
		Short: "Print a dataset's entities as NDJSON (latest versions, oldest first)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			st, err := a.openStore(*dataDir, false)
			if err != nil {
				return err
			}
			defer st.Close()
			if _, ok := st.Dataset(args[0]); !ok {
				return fmt.Errorf("no dataset %q in %s", args[0], *dataDir)
			}
			opts := store.ReadOptions{Limit: limit, History: history, SkipDeleted: !deleted}
			if since >= 0 {
				opts.From = uint64(since) + 1
			}
			w := bufio.NewWriter(a.stdout)
			err = st.Scan(args[0], opts, func(_ uint64, e []byte) error {
				w.Write(e)
				return w.WriteByte('\n')
			})
			if err != nil {
				return err
			}
			return w.Flush()
		},
	}
	cmd.Flags().Int64Var(&since, "since", -1, "only versions whose _updated is greater than this offset")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many entities (0: all)")
	cmd.Flags().BoolVar(&history, "history", false, "include versions that later ones replaced")
	cmd.Flags().BoolVar(&deleted, "deleted", true, "include deleted entities")
	return cmd
}
