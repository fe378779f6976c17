package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// TestQPSGOnEveryConnection checks that the connections of both pools plan their statements
// once (see driverName): without it every query is parsed again on every execution.
func TestQPSGOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "crmlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, db := range map[string]*sql.DB{"writer": s.w, "reader": s.r} {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var on bool
		err = c.Raw(func(dc any) error {
			on = qpsgOn(dc.(*sqlite3.SQLiteConn))
			return nil
		})
		c.Close()
		if err != nil || !on {
			t.Errorf("%s connection: QPSG on = %v (%v)", name, on, err)
		}
	}
}
