package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/schedule"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/termsafe"
)

func init() { extraCommands = append(extraCommands, newTargetsCommand) }

// targetStatus is one target's state as `palisade targets list` shows it.
type targetStatus struct {
	Tenant       string     `json:"tenant"`
	Name         string     `json:"name"`
	Kind         string     `json:"kind"`
	Schedule     string     `json:"schedule"`
	LastRun      *time.Time `json:"last_run,omitempty"`
	LastStatus   string     `json:"last_status,omitempty"`
	LastErrors   int        `json:"last_errors"`
	LastComplete *time.Time `json:"last_complete,omitempty"`
	// The numbers of the last complete run (docs/scoring.md), rounded as every view rounds them;
	// null until a complete run of the current score model: no numbers is never "no risk".
	Compliance      *float64 `json:"compliance"`
	Recommendations int      `json:"recommendations"`
	Risk            *float64 `json:"risk"`
	Open            int      `json:"open"`
	Evaluated       int      `json:"evaluated"`
	Failed          int      `json:"failed"`
	// Stale: the last complete collection is older than the schedule allows, so the numbers
	// are history, not current posture.
	Stale bool `json:"stale"`
}

func newTargetsCommand(opts *globalOptions) *cobra.Command {
	cmd := group("targets", "Show collection targets, their last runs, scores and staleness")
	list := &cobra.Command{Use: "list", Short: "List every target with its last run, score and staleness", Args: exactArgs(0)}
	output := list.Flags().StringP("output", "o", "table", "table or json")
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		if *output != "table" && *output != "json" {
			return usageError("--output must be table or json, got %q", *output)
		}
		return opts.withDB(cmd, func(db *store.DB) error {
			rows, err := targetStatuses(cmd.Context(), db, time.Now())
			if err != nil {
				return err
			}
			if *output == "json" {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"targets": rows})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TENANT\tTARGET\tKIND\tSCHEDULE\tLAST RUN\tSTATUS\tERRORS\tCOMPLIANCE\tRISK\tOPEN")
			for _, r := range rows {
				last, compliance, risk, open := "never", "-", "-", "-"
				if r.LastRun != nil {
					last = r.LastRun.Local().Format("2006-01-02 15:04")
				}
				if r.Risk != nil {
					compliance, risk, open = scoring.FormatCompliance(r.Compliance), scoring.FormatNumber(*r.Risk), fmt.Sprint(r.Open)
				}
				if r.Stale {
					risk += " (stale)"
				}
				// Names and schedules come from the API (or an older version's database).
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", termsafe.String(r.Tenant), termsafe.String(r.Name),
					termsafe.String(r.Kind), termsafe.String(r.Schedule), last, termsafe.String(r.LastStatus), r.LastErrors,
					compliance, risk, open)
			}
			return tw.Flush()
		})
	}
	cmd.AddCommand(list)
	return cmd
}

func targetStatuses(ctx context.Context, db *store.DB, now time.Time) ([]targetStatus, error) {
	tenants, err := db.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []targetStatus
	for _, ten := range tenants {
		targets, err := db.ListTargets(ctx, ten.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range targets {
			st, err := statusOf(ctx, db, ten, t, now)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
	}
	return out, nil
}

func statusOf(ctx context.Context, db *store.DB, ten posture.Tenant, t posture.Target, now time.Time) (targetStatus, error) {
	st := targetStatus{Tenant: ten.Slug, Name: t.Name, Kind: string(t.Kind), Schedule: t.Schedule}
	runs, err := db.ListRuns(ctx, ten.ID, t.ID, 1)
	if err != nil {
		return st, err
	}
	if len(runs) == 1 {
		st.LastRun, st.LastStatus, st.LastErrors = &runs[0].StartedAt, string(runs[0].Status), len(runs[0].Errors)
	}
	complete, err := db.LastCompleteRun(ctx, ten.ID, t.ID)
	if err != nil {
		return st, err
	}
	var lastComplete time.Time
	if complete != nil && complete.FinishedAt != nil {
		lastComplete = *complete.FinishedAt
		st.LastComplete = &lastComplete
	}
	interval, err := schedule.Interval(t.Schedule, now)
	if err != nil {
		interval = 0 // an unreadable schedule cannot vouch for freshness
	}
	st.Stale = scoring.Stale(lastComplete, interval, now)
	scores, err := db.LatestScores(ctx, ten.ID, t.ID)
	if err != nil {
		return st, err
	}
	for _, s := range scores {
		if s.ScopeKind == posture.ScopeOverall && s.Model == scoring.Model {
			risk := scoring.Round1(s.Risk)
			st.Compliance, st.Recommendations, st.Risk = scoring.Round1Ptr(s.Compliance), s.Recommendations, &risk
			st.Open, st.Evaluated, st.Failed = s.OpenBySeverity.Total(), s.Evaluated, s.Failed
		}
	}
	return st, nil
}
