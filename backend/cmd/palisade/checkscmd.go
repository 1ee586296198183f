package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/termsafe"
)

func init() { extraCommands = append(extraCommands, newChecksCommand) }

func newChecksCommand(opts *globalOptions) *cobra.Command {
	cmd := group("checks", "List and explain the checks (built-in and custom) and their CSA mapping")
	list := &cobra.Command{
		Use:   "list",
		Short: "List every check with its severity and CSA recommendations",
		Args:  exactArgs(0),
	}
	output := list.Flags().StringP("output", "o", "table", "table or json")
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		catalog, err := loadCatalog(opts)
		if err != nil {
			return err
		}
		switch *output {
		case "json":
			return writeJSON(cmd.OutOrStdout(), map[string]any{"checks": catalog.Checks(), "recommendations": catalog.Recommendations()})
		case "table":
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tCSA\tTITLE")
			for _, c := range catalog.Checks() {
				// Custom checks come from the configuration: their text is data too.
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", termsafe.String(c.ID), c.Severity, termsafe.String(strings.Join(c.CSA, ",")), termsafe.String(c.Title))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			covered, attest, uncovered := 0, 0, 0
			for _, r := range catalog.Recommendations() {
				switch {
				case len(r.Checks) > 0:
					covered++
				case r.Mode == csa.ModeAttest:
					attest++
				default:
					uncovered++ // evidence lives in registries or on hosts, not in the Kubernetes API
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\n%d checks. CSA recommendations: %d with checks, %d attestation-only, %d needing registry or host data\n",
				len(catalog.Checks()), covered, attest, uncovered)
			return nil
		}
		return usageError("--output must be table or json, got %q", *output)
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Explain one check: what it looks at, why, the CSA mapping and how to fix it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			catalog, err := loadCatalog(opts)
			if err != nil {
				return err
			}
			c, ok := catalog.Get(args[0])
			if !ok {
				return usageError("no check %q (see palisade checks list)", args[0])
			}
			printCheck(cmd.OutOrStdout(), c)
			return nil
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}

func loadCatalog(opts *globalOptions) (*checks.Catalog, error) {
	cfg, err := opts.loadConfig()
	if err != nil {
		return nil, err
	}
	catalog, _, err := checkSetup(cfg.Checks)
	return catalog, err
}

// printCheck explains a check; a custom one's text comes from the configuration, so every
// field goes through termsafe (multi-line ones keep their newlines).
func printCheck(w io.Writer, c *checks.Check) {
	one, text := termsafe.String, termsafe.Text
	fmt.Fprintf(w, "%s: %s\n\n", one(c.ID), one(c.Title))
	fmt.Fprintf(w, "Severity:    %s\nApplies to:  %s\nCSA:         %s\n", c.Severity, one(string(c.Applies)), one(strings.Join(c.CSA, ", ")))
	for _, r := range c.References {
		fmt.Fprintf(w, "Reference:   %s %s %s\n", one(r.Framework), one(r.ID), one(r.Title))
	}
	fmt.Fprintf(w, "\n%s\n\nRemediation: %s\n", text(c.Description), text(c.Remediation.Text))
	if c.Remediation.Example != "" {
		fmt.Fprintf(w, "\nExample:\n%s\n", indent(text(c.Remediation.Example), "  "))
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
