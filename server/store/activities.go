package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Activity is a piece of work assigned to a class.
type Activity struct {
	ID        int64
	ClassID   int64
	ClassName string
	Kind      string
	ContentID string
	Title     string
	PerGroup  bool
	DueAt     time.Time // zero: no due date
	Closed    bool      // the instructor stopped accepting work
	CreatedBy int64
	CreatedAt time.Time
}

const activitySelect = `SELECT a.id, a.class_id, c.name, a.kind, a.content_id, a.title, a.per_group, a.due_at, a.closed, a.created_by, a.created_at
	FROM activities a JOIN classes c ON c.id = a.class_id `

func (s *Store) queryActivities(ctx context.Context, q string, args ...any) ([]Activity, error) {
	out, err := queryAll(ctx, s, scanActivity, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	return out, nil
}

func scanActivity(row scanner) (Activity, error) {
	var a Activity
	var due sql.NullInt64
	var created int64
	err := row.Scan(&a.ID, &a.ClassID, &a.ClassName, &a.Kind, &a.ContentID, &a.Title, &a.PerGroup, &due, &a.Closed, &a.CreatedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	a.DueAt, a.CreatedAt = fromNullMS(due), fromMS(created)
	return a, err
}

// CreateActivity assigns an activity; ErrConflict when the class already has it.
func (s *Store) CreateActivity(ctx context.Context, a Activity) (Activity, error) {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO activities (class_id, kind, content_id, title, per_group, due_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ClassID, a.Kind, a.ContentID, a.Title, a.PerGroup, nullMS(a.DueAt), a.CreatedBy, ms(a.CreatedAt))
		if isUnique(err) {
			return ErrConflict
		}
		if err != nil {
			return fmt.Errorf("insert activity: %w", err)
		}
		a.ID, err = res.LastInsertId()
		return err
	})
	return a, err
}

// ActivityByID loads one activity of a class.
func (s *Store) ActivityByID(ctx context.Context, classID, id int64) (Activity, error) {
	return scanActivity(s.queryRow(ctx, activitySelect+"WHERE a.class_id = ? AND a.id = ?", classID, id))
}

// Activities lists a class's activities: dated ones by due date, then undated by creation.
func (s *Store) Activities(ctx context.Context, classID int64) ([]Activity, error) {
	return s.queryActivities(ctx, activitySelect+"WHERE a.class_id = ? ORDER BY a.due_at IS NULL, a.due_at, a.created_at", classID)
}

// ActivitiesOfStudent lists the activities of every class a student has joined.
func (s *Store) ActivitiesOfStudent(ctx context.Context, userID int64) ([]Activity, error) {
	return s.queryActivities(ctx, activitySelect+`WHERE a.class_id IN (SELECT class_id FROM class_members WHERE user_id = ?)
		ORDER BY a.due_at IS NULL, a.due_at, a.created_at`, userID)
}

// DeleteActivity removes an activity from a class.
func (s *Store) DeleteActivity(ctx context.Context, classID, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, "DELETE FROM activities WHERE class_id = ? AND id = ?", classID, id)
	})
}

// SetActivityClosed closes an activity to new work, or opens it again.
func (s *Store) SetActivityClosed(ctx context.Context, classID, id int64, closed bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, "UPDATE activities SET closed = ? WHERE class_id = ? AND id = ?", closed, classID, id)
	})
}
