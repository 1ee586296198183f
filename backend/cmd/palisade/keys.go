package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/seal"
)

func newKeysCommand(opts *globalOptions) *cobra.Command {
	cmd := group("keys", "Manage the key that seals stored credentials")
	cmd.AddCommand(&cobra.Command{
		Use:   "generate",
		Short: "Print a new random AES-256 key (base64) for secrets.key",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := seal.GenerateKey()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), k)
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Re-seal every stored credential with the current key",
		Long: `Re-seal every stored credential with secrets.key. To rotate: generate a new key, make it
secrets.key, move the old one to secrets.previous_keys, run this command, then remove the old
key. All values are re-sealed in one transaction: on any error nothing changes.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := opts.loadConfig()
			if err != nil {
				return err
			}
			s, err := sealer(cfg.Secrets)
			if err != nil {
				return err
			}
			if s == nil {
				return usageError("secrets.key is not set: nothing to rotate to")
			}
			db, err := openDB(cmd.Context(), cfg, newLogger(cfg.Log, opts.env.stderr))
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := db.Reseal(cmd.Context(), s)
			if err != nil {
				return fmt.Errorf("rotate keys (nothing was changed): %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "re-sealed %d credential(s) with key %s\n", n, s.CurrentKeyID())
			return nil
		},
	})
	return cmd
}
