package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Grade is the instructor's grade of a submission.
type Grade struct {
	SubmissionID int64
	Version      int
	Choices      string // JSON
	Overall      string
	Score        float64
	Max          float64
	GradedBy     int64
	GradedByName string
	GradedAt     time.Time
}

// GradeChange is one line of the audit trail.
type GradeChange struct {
	By       string
	At       time.Time
	OldScore sql.NullFloat64
	NewScore float64
	Reason   string
}

// SaveGrade stores a grade and its audit line in one transaction.
func (s *Store) SaveGrade(ctx context.Context, g Grade, reason string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var old sql.NullFloat64
		err := tx.QueryRowContext(ctx, "SELECT score FROM grades WHERE submission_id = ?", g.SubmissionID).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO grades (submission_id, version, choices, overall, score, max, graded_by, graded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (submission_id) DO UPDATE SET version = excluded.version,
			choices = excluded.choices, overall = excluded.overall, score = excluded.score, max = excluded.max,
			graded_by = excluded.graded_by, graded_at = excluded.graded_at`,
			g.SubmissionID, g.Version, g.Choices, g.Overall, g.Score, g.Max, g.GradedBy, ms(g.GradedAt)); err != nil {
			return fmt.Errorf("save grade: %w", err)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO grade_audit (submission_id, changed_by, changed_at, old_score, new_score, reason) VALUES (?, ?, ?, ?, ?, ?)",
			g.SubmissionID, g.GradedBy, ms(g.GradedAt), old, g.Score, reason)
		return err
	})
}

// GradeOf loads a submission's grade; ErrNotFound when ungraded.
func (s *Store) GradeOf(ctx context.Context, submissionID int64) (Grade, error) {
	var g Grade
	var at int64
	err := s.queryRow(ctx, `SELECT g.submission_id, g.version, g.choices, g.overall, g.score, g.max, g.graded_by, u.name, g.graded_at
		FROM grades g JOIN users u ON u.id = g.graded_by WHERE g.submission_id = ?`, submissionID).
		Scan(&g.SubmissionID, &g.Version, &g.Choices, &g.Overall, &g.Score, &g.Max, &g.GradedBy, &g.GradedByName, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return g, ErrNotFound
	}
	g.GradedAt = fromMS(at)
	return g, err
}

// GradeHistory is a submission's audit trail, oldest first.
func (s *Store) GradeHistory(ctx context.Context, submissionID int64) ([]GradeChange, error) {
	return queryAll(ctx, s, func(row scanner) (GradeChange, error) {
		var c GradeChange
		var at int64
		err := row.Scan(&c.By, &at, &c.OldScore, &c.NewScore, &c.Reason)
		c.At = fromMS(at)
		return c, err
	}, `SELECT u.name, a.changed_at, a.old_score, a.new_score, a.reason FROM grade_audit a JOIN users u ON u.id = a.changed_by
		WHERE a.submission_id = ? ORDER BY a.id`, submissionID)
}

// ReleaseGrades shows an activity's grades to its students; releasing again changes nothing.
func (s *Store) ReleaseGrades(ctx context.Context, classID, activityID int64, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE activities SET released_at = COALESCE(released_at, ?) WHERE class_id = ? AND id = ?", ms(now), classID, activityID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return nil
	})
}

// ReleasedAt is when an activity's grades were released (zero: not yet).
func (s *Store) ReleasedAt(ctx context.Context, activityID int64) (time.Time, error) {
	var at sql.NullInt64
	err := s.queryRow(ctx, "SELECT released_at FROM activities WHERE id = ?", activityID).Scan(&at)
	return fromNullMS(at), err
}
