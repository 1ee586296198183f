package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/termsafe"
	"github.com/palisade-dev/palisade/backend/vulns"
)

func init() { extraCommands = append(extraCommands, newAdvisoriesCommand) }

func newAdvisoriesCommand(opts *globalOptions) *cobra.Command {
	cmd := group("advisories", "Show and refresh the OSV advisory feeds vulnerabilities are matched with")
	status := &cobra.Command{Use: "status", Short: "Each feed's source, last load, newest record and last error", Args: exactArgs(0)}
	output := status.Flags().StringP("output", "o", "table", "table or json")
	status.RunE = func(cmd *cobra.Command, _ []string) error {
		if *output != "table" && *output != "json" {
			return usageError("--output must be table or json, got %q", *output)
		}
		return opts.withVulns(cmd, func(_ *store.DB, svc *vulns.Service) error {
			feeds, err := svc.Feeds(cmd.Context())
			if err != nil {
				return err
			}
			if *output == "json" {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"feeds": feeds})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ECOSYSTEM\tCONFIGURED\tLOADED\tNEWEST RECORD\tRECORDS\tSOURCE\tERROR")
			for _, f := range feeds {
				fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%d\t%s\t%s\n", termsafe.String(f.Ecosystem), f.Configured, when(f.RefreshedAt),
					when(f.FeedDate), f.Records, termsafe.String(f.Source), termsafe.String(f.Error))
			}
			return tw.Flush()
		})
	}
	refresh := &cobra.Command{Use: "refresh", Short: "Load the configured feeds now and re-match what changed (exit 1 when a feed failed)",
		Args: exactArgs(0)}
	refresh.RunE = func(cmd *cobra.Command, _ []string) error {
		return opts.withVulns(cmd, func(_ *store.DB, svc *vulns.Service) error {
			var failed []string
			for _, r := range svc.Refresh(cmd.Context()) {
				switch {
				case r.Err != nil:
					failed = append(failed, r.Ecosystem)
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", termsafe.String(r.Ecosystem), termsafe.String(posture.ErrorMessage(r.Err)))
				case r.NotModified:
					fmt.Fprintf(cmd.OutOrStdout(), "%s: not modified since the last load\n", r.Ecosystem)
				default:
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %d records (%d skipped), %d new or modified, %d new image vulnerabilities, %d drift events, %s\n",
						r.Ecosystem, r.Records, r.Skipped, r.Changed, r.NewVulns, r.Events, r.Duration.Round(time.Millisecond))
				}
			}
			if len(failed) > 0 {
				return failure("%d feeds failed: %v", len(failed), failed)
			}
			return nil
		})
	}
	cmd.AddCommand(status, refresh)
	return cmd
}

// withVulns opens the database and the vulnerability service of the configuration.
func (o *globalOptions) withVulns(cmd *cobra.Command, fn func(*store.DB, *vulns.Service) error) error {
	cfg, err := o.loadConfig()
	if err != nil {
		return err
	}
	return o.withDB(cmd, func(db *store.DB) error {
		if n, err := db.Pending(cmd.Context()); err != nil {
			return err
		} else if n > 0 {
			return errors.New("database migrations are pending: run `palisade migrate up`")
		}
		return fn(db, newVulnService(db, cfg, newLogger(cfg.Log, o.env.stderr)))
	})
}

func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04")
}
