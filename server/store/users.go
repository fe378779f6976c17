package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Role is what an account may do.
type Role string

const (
	RoleAdmin      Role = "admin"
	RoleInstructor Role = "instructor"
	RoleTrainer    Role = "trainer"
	RoleStudent    Role = "student"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleInstructor, RoleTrainer, RoleStudent:
		return true
	}
	return false
}

// Label is the role's name in the UI.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "管理员"
	case RoleInstructor:
		return "教师"
	case RoleTrainer:
		return "培训师"
	case RoleStudent:
		return "学生"
	}
	return string(r)
}

// User is an account.
type User struct {
	ID           int64
	Role         Role
	Login        string
	Name         string
	PasswordHash string
	Disabled     bool
	SessionEpoch int64
	CreatedAt    time.Time
}

const userColumns = "id, role, login, name, password_hash, disabled, session_epoch, created_at"

func scanUser(row scanner) (User, error) {
	var u User
	var created int64
	err := row.Scan(&u.ID, &u.Role, &u.Login, &u.Name, &u.PasswordHash, &u.Disabled, &u.SessionEpoch, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	u.CreatedAt = fromMS(created)
	return u, err
}

// CreateUser inserts an account; ErrConflict when the login is taken.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = insertUser(ctx, tx, u)
		return err
	})
	return u, err
}

func insertUser(ctx context.Context, tx *sql.Tx, u User) (User, error) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	res, err := tx.ExecContext(ctx,
		"INSERT INTO users (role, login, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
		u.Role, u.Login, u.Name, u.PasswordHash, ms(u.CreatedAt))
	if isUnique(err) {
		return u, ErrConflict
	}
	if err != nil {
		return u, fmt.Errorf("insert user %s: %w", u.Login, err)
	}
	u.ID, err = res.LastInsertId()
	return u, err
}

// UserByID loads an account.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, ok, gen := s.users.get(id)
	if ok {
		return u, nil
	}
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err == nil {
		s.users.put(id, u, gen)
	}
	return u, err
}

// UserByLogin loads an account by its login (a 学号 for students).
func (s *Store) UserByLogin(ctx context.Context, login string) (User, error) {
	return scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE login = ?", login))
}

// ListStaff lists every account that is not a student, admins first.
func (s *Store) ListStaff(ctx context.Context) ([]User, error) {
	out, err := queryAll(ctx, s, scanUser, "SELECT "+userColumns+` FROM users WHERE role <> 'student'
		ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'instructor' THEN 1 ELSE 2 END, login`)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	return out, nil
}

// CountUsers counts the accounts of a role.
func (s *Store) CountUsers(ctx context.Context, role Role) (int, error) {
	var n int
	err := s.queryRow(ctx, "SELECT COUNT(*) FROM users WHERE role = ?", role).Scan(&n)
	return n, err
}

// SetDisabled disables or re-enables an account. Disabling ends its sessions.
func (s *Store) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	defer s.users.drop(id) // after the commit: see userCache
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, "UPDATE users SET disabled = ?, session_epoch = session_epoch + 1 WHERE id = ?", disabled, id)
	})
}

// EndSessions ends every session of an account on every device (signing out everywhere, or
// signing out with a cookie too old to carry a session id): cookies issued before carry the
// old epoch and sign nobody in.
func (s *Store) EndSessions(ctx context.Context, id int64) error {
	defer s.users.drop(id) // after the commit: see userCache
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?", id)
	})
}

// SetPassword replaces an account's password hash and ends its other sessions.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string) (User, error) {
	defer s.users.drop(id) // after the commit: see userCache
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, "UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ?", hash, id)
	})
	if err != nil {
		return User{}, err
	}
	return s.userByIDWriter(ctx, id)
}

// userByIDWriter reads through the writer so the caller sees its own write at once.
func (s *Store) userByIDWriter(ctx context.Context, id int64) (User, error) {
	return scanUser(s.w.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// execOne runs a statement that must change exactly one row; ErrNotFound otherwise.
func execOne(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return ErrNotFound
	}
	return nil
}

// CreateSetupToken stores a new admin setup token (its hash) and drops older unused ones,
// so only the link printed last works.
func (s *Store) CreateSetupToken(ctx context.Context, tokenHash string, expires time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens WHERE used_at IS NULL"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO setup_tokens (token_hash, expires_at) VALUES (?, ?)", tokenHash, ms(expires))
		return err
	})
}

// SetupTokenUsable reports whether a setup token exists, is unused and has not expired.
func (s *Store) SetupTokenUsable(ctx context.Context, tokenHash string, now time.Time) (bool, error) {
	var n int
	err := s.queryRow(ctx, "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
		tokenHash, ms(now)).Scan(&n)
	return n > 0, err
}

// UseSetupToken spends a setup token and creates the admin in one transaction, so a token
// can create one admin only even when two browsers submit at once. ErrNotFound when the
// token is unknown, used or expired; ErrConflict when the login is taken.
func (s *Store) UseSetupToken(ctx context.Context, tokenHash string, now time.Time, admin User) (User, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := execOne(ctx, tx, "UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
			ms(now), tokenHash, ms(now))
		if err != nil {
			return err
		}
		admin.Role = RoleAdmin
		admin.CreatedAt = now
		admin, err = insertUser(ctx, tx, admin)
		return err
	})
	return admin, err
}
