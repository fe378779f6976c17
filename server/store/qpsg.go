package store

/*
typedef struct sqlite3 sqlite3;
int sqlite3_db_config(sqlite3*, int op, ...);

// SQLITE_DBCONFIG_ENABLE_QPSG; sqlite3_db_config is variadic, which cgo cannot call directly.
static int crmlab_enable_qpsg(void *db) {
	int on = 0;
	int rc = sqlite3_db_config((sqlite3*)db, 1007, 1, &on);
	if (rc != 0) return rc;
	return on ? 0 : -1;
}

static int crmlab_qpsg_on(void *db) {
	int on = 0;
	sqlite3_db_config((sqlite3*)db, 1007, -1, &on);
	return on;
}
*/
import "C"

import (
	"database/sql"
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// driverName is mattn's driver with a connect hook that turns on SQLite's query planner
// stability guarantee (QPSG) on every connection.
//
// Why: without QPSG, SQLite marks a statement whose WHERE clause compares a column with a
// parameter (`c.id = ?`, almost every statement here) for re-preparation whenever the bound
// value changes between "0 or 1" and anything else, and the mattn driver clears all bindings
// before every execution, which counts as such a change. So every execution of a prepared
// statement was parsed and planned again: a primary-key look-up cost 38 µs instead of 13, and
// the student home page spent most of its SQLite time in the parser. With QPSG the plan is
// made once without looking at bound values, which for crmlab's small, indexed queries is the
// plan it would pick anyway.
const driverName = "sqlite3_crmlab"

var registerDriver sync.Once

func openDB(dsn string) (*sql.DB, error) {
	registerDriver.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: enableQPSG})
	})
	return sql.Open(driverName, dsn)
}

// enableQPSG reaches the connection's sqlite3 handle, which the driver does not export. If a
// driver upgrade renames the field, opening the database fails here (and every test with
// it) rather than silently going back to re-preparing every statement.
func enableQPSG(c *sqlite3.SQLiteConn) error {
	db, err := dbHandle(c)
	if err != nil {
		return fmt.Errorf("enable QPSG: %w", err)
	}
	if rc := C.crmlab_enable_qpsg(db); rc != 0 {
		return fmt.Errorf("enable QPSG: sqlite3_db_config returned %d", int(rc))
	}
	return nil
}

func dbHandle(c *sqlite3.SQLiteConn) (unsafe.Pointer, error) {
	f := reflect.ValueOf(c).Elem().FieldByName("db")
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() {
		return nil, fmt.Errorf("the sqlite3 driver's connection has no db handle field (driver upgraded?)")
	}
	return f.UnsafePointer(), nil
}

// qpsgOn reports whether a connection has QPSG on (tests).
func qpsgOn(c *sqlite3.SQLiteConn) bool {
	db, err := dbHandle(c)
	return err == nil && C.crmlab_qpsg_on(db) == 1
}
