package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RevokedSession is a signed-out session whose cookie must no longer sign anybody in.
type RevokedSession struct {
	SID    string
	UserID int64
	// ExpiresAt is when the session would have ended anyway; after it the row is useless.
	ExpiresAt time.Time
}

// RevokeSession records a signed-out session. Rows past their expiry are deleted in the same
// transaction, so the table holds at most the sessions signed out within one session
// lifetime. Revoking the same id twice is not an error.
func (s *Store) RevokeSession(ctx context.Context, r RevokedSession, now time.Time) error {
	// Not counted in Writes: no page shows revoked sessions, and a class signing out at the
	// end of a lesson should not throw away every cached page.
	err := s.quietTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM revoked_sessions WHERE expires_at <= ?", ms(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			"INSERT INTO revoked_sessions (sid, user_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (sid) DO NOTHING",
			r.SID, r.UserID, ms(r.ExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke session of user %d: %w", r.UserID, err)
	}
	return nil
}

// RevokedSessions lists the revoked sessions that have not expired by now.
func (s *Store) RevokedSessions(ctx context.Context, now time.Time) ([]RevokedSession, error) {
	out, err := queryAll(ctx, s, func(row scanner) (RevokedSession, error) {
		var r RevokedSession
		var exp int64
		err := row.Scan(&r.SID, &r.UserID, &exp)
		r.ExpiresAt = fromMS(exp)
		return r, err
	}, "SELECT sid, user_id, expires_at FROM revoked_sessions WHERE expires_at > ?", ms(now))
	if err != nil {
		return nil, fmt.Errorf("list revoked sessions: %w", err)
	}
	return out, nil
}
