package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/store"
)

func newMigrateCommand(opts *globalOptions) *cobra.Command {
	cmd := group("migrate", "Apply, roll back or list database migrations")
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return opts.withDB(cmd, func(db *store.DB) error {
				n, err := db.MigrateUp(cmd.Context())
				if err != nil {
					return fmt.Errorf("%w (the failed migration was rolled back)", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s)\n", n)
				return nil
			})
		},
	})
	down := &cobra.Command{
		Use:   "down",
		Short: "Roll back migrations (one by default; --to 0 removes the whole schema)",
		Args:  exactArgs(0),
	}
	to := down.Flags().String("to", "", "roll back to this version (0 = empty schema)")
	down.RunE = func(cmd *cobra.Command, _ []string) error {
		return opts.withDB(cmd, func(db *store.DB) error {
			target := int64(-1)
			if *to != "" {
				v, err := strconv.ParseInt(*to, 10, 64)
				if err != nil || v < 0 {
					return usageError("--to must be a version number >= 0, got %q", *to)
				}
				target = v
			} else {
				st, err := db.MigrationStatus(cmd.Context())
				if err != nil {
					return err
				}
				// One step: the version before the newest applied one.
				target = 0
				var prev int64
				for _, s := range st {
					if s.Applied {
						target, prev = prev, s.Version
					}
				}
			}
			n, err := db.MigrateDown(cmd.Context(), target)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rolled back %d migration(s)\n", n)
			return nil
		})
	}
	cmd.AddCommand(down)
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List every migration and whether it is applied",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return opts.withDB(cmd, func(db *store.DB) error {
				st, err := db.MigrationStatus(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE\n")
				for _, s := range st {
					state, at := "pending", "-"
					if s.Applied {
						state, at = "applied", s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
					}
					fmt.Fprintf(tw, "%05d\t%s\t%s\t%s\n", s.Version, state, at, s.Name)
				}
				fmt.Fprintf(tw, "database: %s\n", db.Dialect())
				return tw.Flush()
			})
		},
	})
	return cmd
}
