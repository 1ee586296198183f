package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/seal"
)

// Sealed-value contexts bind each credential to its row, so a value copied into another
// row does not open there.

// TargetCredentialsContext is the seal context of a target's credentials.
func TargetCredentialsContext(targetID int64) string {
	return fmt.Sprintf("target:%d:credentials", targetID)
}

// ChannelSecretContext is the seal context of a notification channel's secret.
func ChannelSecretContext(channelID int64) string {
	return fmt.Sprintf("channel:%d:secret", channelID)
}

// sealedColumns lists every column holding sealed values and how to name their context.
var sealedColumns = []struct {
	table, column string
	context       func(id int64) string
}{
	{"targets", "credentials", TargetCredentialsContext},
	{"notification_channels", "secret", ChannelSecretContext},
}

// Reseal re-seals every stored credential with the sealer's current key, in one transaction.
func (db *DB) Reseal(ctx context.Context, s *seal.Sealer) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *gorm.DB) error {
		for _, col := range sealedColumns {
			var rows []struct {
				ID     int64
				Sealed []byte
			}
			if err := tx.Table(col.table).Select("id, " + col.column + " AS sealed").
				Where(col.column + " IS NOT NULL").Find(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				if len(r.Sealed) == 0 {
					continue
				}
				// Every value must open, not only those needing a new key: a rotation that
				// "succeeds" while leaving values no configured key can open loses them.
				if !s.NeedsReseal(r.Sealed) {
					if _, err := s.Open(r.Sealed, col.context(r.ID)); err != nil {
						return fmt.Errorf("%s %d: %w", col.table, r.ID, err)
					}
					continue
				}
				fresh, err := s.Reseal(r.Sealed, col.context(r.ID))
				if err != nil {
					return fmt.Errorf("%s %d: %w", col.table, r.ID, err)
				}
				if err := tx.Table(col.table).Where("id = ?", r.ID).Update(col.column, fresh).Error; err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
