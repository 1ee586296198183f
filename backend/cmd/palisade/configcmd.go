package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/termsafe"
)

func newConfigCommand(opts *globalOptions) *cobra.Command {
	cmd := group("config", "Inspect the configuration")
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration file and environment overrides",
		Long: `Validate the configuration (file plus PALISADE_* environment overrides) and print the
effective settings, secrets redacted. Exit 0 when valid, 2 with the offending keys otherwise.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := opts.loadConfig()
			if err != nil {
				return err
			}
			if _, err := sealer(cfg.Secrets); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			// Values come from a file and the environment: printed through termsafe.
			one := termsafe.String
			fmt.Fprintln(w, "configuration is valid")
			fmt.Fprintf(w, "  server.listen      %s\n", one(cfg.Server.Listen))
			fmt.Fprintf(w, "  database.driver    %s\n", one(cfg.Database.Driver))
			fmt.Fprintf(w, "  database.dsn       %s\n", one(displayDSN(cfg.Database.Driver, string(cfg.Database.DSN), cfg.Database.DSN.String())))
			fmt.Fprintf(w, "  log                %s, %s\n", one(cfg.Log.Level), one(cfg.Log.Format))
			sealing := "not configured (credentials cannot be stored)"
			if cfg.Secrets.Key != "" {
				sealing = fmt.Sprintf("key %s, %d previous key(s)", one(cfg.Secrets.Key.String()), len(cfg.Secrets.PreviousKeys))
			}
			fmt.Fprintf(w, "  secrets            %s\n", sealing)
			return nil
		},
	})
	return cmd
}

// displayDSN shows a SQLite path as is (it is not secret) and anything else redacted.
func displayDSN(driver, raw, redacted string) string {
	if driver == "sqlite" {
		return raw
	}
	return redacted
}
