package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/migrations"
)

type result struct {
	code           int
	stdout, stderr string
}

// palisade runs one command line in-process with its own environment.
func palisade(t *testing.T, vars []string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, vars: vars})
	return result{code, out.String(), errb.String()}
}

func sqliteEnv(t *testing.T) []string {
	return []string{"PALISADE_DATABASE_DSN=" + filepath.Join(t.TempDir(), "p.db"), "PALISADE_LOG_LEVEL=error"}
}

func TestExitCodesAndHelp(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		inOutput string
	}{
		{[]string{"version"}, 0, "palisade dev (commit"},
		{[]string{"--help"}, 0, "Exit codes"},
		{[]string{"migrate", "--help"}, 0, "status"},
		{[]string{"serve", "--help"}, 0, "SIGTERM"},
		{[]string{"config", "check", "--help"}, 0, "Validate"},
		{[]string{"nonsense"}, 2, "unknown command"},
		{[]string{"version", "extra"}, 2, "takes 0 argument"},
		{[]string{"--no-such-flag"}, 2, "unknown flag"},
		{[]string{"migrate"}, 2, "needs a subcommand"},
		{[]string{"migrate", "down", "--to", "-3"}, 2, "--to must be"},
		{[]string{"-c", "/nonexistent/palisade.yaml", "config", "check"}, 2, "config file"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := palisade(t, sqliteEnv(t), tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout+r.stderr, tc.inOutput) {
				t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", tc.inOutput, r.stdout, r.stderr)
			}
			if tc.code != 0 && r.stdout != "" && !strings.Contains(r.stdout, "Usage") {
				t.Errorf("error went to stdout: %s", r.stdout)
			}
		})
	}
}

func TestConfigCheckNamesBadKeys(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "palisade.yaml")
	if err := os.WriteFile(p, []byte("server:\n  listen: nowhere\ndatabase:\n  driver: oracle\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := palisade(t, nil, "-c", p, "config", "check")
	if r.code != 2 || !strings.Contains(r.stderr, "server.listen") || !strings.Contains(r.stderr, "database.driver") {
		t.Fatalf("exit %d stderr %q: want 2 naming both keys", r.code, r.stderr)
	}
	r = palisade(t, []string{"PALISADE_DATABASE_DSN=postgres://u:topsecret@db/x", "PALISADE_DATABASE_DRIVER=postgres"}, "config", "check")
	if r.code != 0 || strings.Contains(r.stdout, "topsecret") {
		t.Fatalf("config check = %d, stdout %q: want valid and the DSN redacted", r.code, r.stdout)
	}
	r = palisade(t, []string{"PALISADE_SECRETS_KEY=tooshort"}, "config", "check")
	if r.code != 2 || !strings.Contains(r.stderr, "secrets.key") {
		t.Fatalf("bad key: exit %d, %q", r.code, r.stderr)
	}
}

func TestUnreachableDatabaseExits2(t *testing.T) {
	vars := []string{"PALISADE_DATABASE_DRIVER=postgres", "PALISADE_DATABASE_DSN=postgres://p:hunter2@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}
	for _, args := range [][]string{{"migrate", "status"}, {"serve"}} {
		r := palisade(t, vars, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "connect to postgres database") || strings.Contains(r.stderr, "hunter2") {
			t.Fatalf("%v: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
}

// migrationCount is how many migration files the binary embeds for a dialect.
func migrationCount(t *testing.T, dialect string) int {
	t.Helper()
	dir, err := migrations.For(dialect)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(dir, "*.sql")
	if err != nil || len(names) < 6 {
		t.Fatalf("migrations of %s: %v, %v", dialect, names, err)
	}
	return len(names)
}

func TestIntegrationMigrateCommands(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			vars := sqliteEnv(t)
			if d == store.Postgres {
				vars = []string{"PALISADE_DATABASE_DRIVER=postgres", "PALISADE_DATABASE_DSN=" + storetest.DSN(t)}
			}
			all := fmt.Sprint(migrationCount(t, d))
			steps := []struct {
				args []string
				want string
			}{
				{[]string{"migrate", "status"}, "pending"},
				{[]string{"migrate", "up"}, "applied " + all + " migration"},
				{[]string{"migrate", "status"}, "applied"},
				{[]string{"migrate", "down", "--to", "0"}, "rolled back " + all + " migration"},
				{[]string{"migrate", "status"}, "pending"},
				{[]string{"migrate", "up"}, "applied " + all + " migration"},
				{[]string{"migrate", "down"}, "rolled back 1 migration"},
				{[]string{"migrate", "status"}, "pending"},
				{[]string{"migrate", "up"}, "applied 1 migration"},
			}
			for _, s := range steps {
				r := palisade(t, vars, s.args...)
				if r.code != 0 || !strings.Contains(r.stdout, s.want) {
					t.Fatalf("%v: exit %d, stdout %q, stderr %q; want %q", s.args, r.code, r.stdout, r.stderr, s.want)
				}
			}
			r := palisade(t, vars, "migrate", "status")
			if strings.Contains(r.stdout, "pending") || !strings.Contains(r.stdout, "database: "+d) {
				t.Fatalf("final status: %s", r.stdout)
			}
		})
	}
}

func TestKeysGenerateAndRotate(t *testing.T) {
	r := palisade(t, nil, "keys", "generate")
	if r.code != 0 || len(strings.TrimSpace(r.stdout)) != 44 {
		t.Fatalf("generate: %d %q", r.code, r.stdout)
	}
	vars := append(sqliteEnv(t), "PALISADE_SECRETS_KEY="+strings.TrimSpace(r.stdout))
	if r := palisade(t, vars, "migrate", "up"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r = palisade(t, vars, "keys", "rotate")
	if r.code != 0 || !strings.Contains(r.stdout, "re-sealed 0 credential") {
		t.Fatalf("rotate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = palisade(t, sqliteEnv(t), "keys", "rotate")
	if r.code != 2 || !strings.Contains(r.stderr, "secrets.key is not set") {
		t.Fatalf("rotate without key: %d %q", r.code, r.stderr)
	}
}
