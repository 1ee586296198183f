// Command palisade is the Palisade container security posture dashboard: server, scanner
// and administration tool in one binary. Configuration and wiring live here and only here.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/termsafe"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
)

// Exit codes, as CI pipelines expect them.
const (
	exitOK      = 0
	exitFailure = 1 // the command worked and found a failure (a finding at --fail-on, a broken audit chain)
	exitError   = 2 // usage error or the command could not do its work
)

// exitCodeError carries an exit code up to main.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

// failure marks an outcome that is a finding, not a malfunction: exit 1.
func failure(format string, args ...any) error {
	return &exitCodeError{code: exitFailure, err: fmt.Errorf(format, args...)}
}

// usageError marks a mistake in how the command was called: exit 2.
func usageError(format string, args ...any) error {
	return &exitCodeError{code: exitError, err: fmt.Errorf(format, args...)}
}

// env is the process environment, passed in so tests can run commands in-process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	vars   []string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, vars: os.Environ()})
	stop()
	os.Exit(code)
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, args []string, e env) int {
	root := newRootCommand(e)
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	// Errors quote data (file names, API server answers): shown escaped, never raw.
	fmt.Fprintf(e.stderr, "palisade: %s\n", termsafe.Text(err.Error()))
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	return exitError
}

func newRootCommand(e env) *cobra.Command {
	opts := &globalOptions{env: e}
	root := &cobra.Command{
		Use:   "palisade",
		Short: "Container security posture: collect, check against the CSA best practices, score, alert",
		Long: `Palisade polls Kubernetes clusters, registries and hosts, evaluates checks mapped to the
Cloud Security Alliance container best practices, and keeps findings, scores and alerts.

Exit codes: 0 success, 1 a failure was found (e.g. scan --fail-on), 2 usage or runtime error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&opts.configPath, "config", "c", "", "configuration file (default ./palisade.yaml if present)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	root.AddCommand(
		newServeCommand(opts),
		newMigrateCommand(opts),
		newConfigCommand(opts),
		newKeysCommand(opts),
		newVersionCommand(),
	)
	for _, c := range extraCommands {
		root.AddCommand(c(opts))
	}
	// Unknown subcommands and stray arguments are usage errors (exit 2), not runtime errors.
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError("unknown command %q for palisade (see palisade --help)", args[0])
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	return root
}

// extraCommands lets a file add a subcommand without editing the root's list.
var extraCommands []func(*globalOptions) *cobra.Command

// exactArgs is cobra.ExactArgs with a usage exit code.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s takes %d argument(s), got %d (see %s --help)", cmd.CommandPath(), n, len(args), cmd.CommandPath())
		}
		return nil
	}
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and build date",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "palisade %s (commit %s, built %s)\n", version, commit, date)
			return nil
		},
	}
}

// group is a command that only holds subcommands; run bare, it is a usage error naming them.
func group(use, short string) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: exactArgs(0)}
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		return usageError("%s needs a subcommand: %s", use, strings.Join(names, ", "))
	}
	return cmd
}
