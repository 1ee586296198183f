// Package migrations embeds the versioned SQL schema, one folder per dialect. Every change
// is a new numbered file; applied files are never edited.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// For returns the migration files of a dialect ("postgres" or "sqlite").
func For(dialect string) (fs.FS, error) {
	switch dialect {
	case "postgres", "sqlite":
		return fs.Sub(files, dialect)
	}
	return nil, fmt.Errorf("no migrations for dialect %q", dialect)
}
