package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// A migration that fails half-way must leave no trace: it runs in one transaction.
func TestIntegrationFailingMigrationIsRolledBack(t *testing.T) {
	migs := fstest.MapFS{
		"00001_good.sql": {Data: []byte("-- +goose Up\nCREATE TABLE first (id INTEGER PRIMARY KEY);\n-- +goose Down\nDROP TABLE first;\n")},
		"00002_bad.sql": {Data: []byte("-- +goose Up\nCREATE TABLE second (id INTEGER PRIMARY KEY);\n" +
			"INSERT INTO no_such_table VALUES (1);\n-- +goose Down\nDROP TABLE second;\n")},
	}
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			dsn := filepath.Join(t.TempDir(), "m.db")
			if d == store.Postgres {
				dsn = storetest.DSN(t)
			}
			db, err := store.Open(ctx, store.Options{Driver: d, DSN: dsn, Migrations: migs})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			n, err := db.MigrateUp(ctx)
			if err == nil {
				t.Fatal("bad migration succeeded")
			}
			if n != 1 {
				t.Errorf("applied %d before the failure, want 1", n)
			}
			if err := db.Exec(ctx, "SELECT count(*) FROM first"); err != nil {
				t.Errorf("good migration lost: %v", err)
			}
			if err := db.Exec(ctx, "SELECT count(*) FROM second"); err == nil {
				t.Error("half-applied migration left table 'second' behind")
			}
			st, err := db.MigrationStatus(ctx)
			if err != nil || len(st) != 2 || !st[0].Applied || st[1].Applied {
				t.Fatalf("status after failure = %+v, %v", st, err)
			}
		})
	}
}
