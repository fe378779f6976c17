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

// ResultRow is one submission of a class with what the gradebook needs.
type ResultRow struct {
	ActivityID int64
	Owner      Owner
	Versions   int
	Late       bool
	Auto       sql.NullFloat64
	AutoMax    sql.NullFloat64
	Grade      sql.NullFloat64
	GradeMax   sql.NullFloat64
}

// ClassResults lists every submission of a class's activities with its latest version's
// lateness and auto-score and its instructor grade.
func (s *Store) ClassResults(ctx context.Context, classID int64) ([]ResultRow, error) {
	return queryAll(ctx, s, func(row scanner) (ResultRow, error) {
		var r ResultRow
		var uid, gid sql.NullInt64
		var late sql.NullBool
		err := row.Scan(&r.ActivityID, &uid, &gid, &r.Versions, &late, &r.Auto, &r.AutoMax, &r.Grade, &r.GradeMax)
		r.Owner, r.Late = Owner{UserID: uid.Int64, GroupID: gid.Int64}, late.Bool
		return r, err
	}, `SELECT s.activity_id, s.user_id, s.group_id,
		(SELECT COUNT(*) FROM submission_versions v WHERE v.submission_id = s.id),
		lv.late, lv.auto_score, lv.auto_max, g.score, g.max
		FROM submissions s
		JOIN activities a ON a.id = s.activity_id
		LEFT JOIN submission_versions lv ON lv.submission_id = s.id
			AND lv.number = (SELECT MAX(number) FROM submission_versions WHERE submission_id = s.id)
		LEFT JOIN grades g ON g.submission_id = s.id
		WHERE a.class_id = ?`, classID)
}

// SetWeights stores the gradebook weights of a class's activities in one transaction.
func (s *Store) SetWeights(ctx context.Context, classID int64, weights map[int64]float64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for id, w := range weights {
			if err := execOne(ctx, tx, "UPDATE activities SET weight = ? WHERE class_id = ? AND id = ?", w, classID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Weights returns the gradebook weight of each activity of a class.
func (s *Store) Weights(ctx context.Context, classID int64) (map[int64]float64, error) {
	rows, err := queryAll(ctx, s, func(row scanner) ([2]float64, error) {
		var id int64
		var w float64
		err := row.Scan(&id, &w)
		return [2]float64{float64(id), w}, err
	}, "SELECT id, weight FROM activities WHERE class_id = ?", classID)
	if err != nil {
		return nil, err
	}
	out := map[int64]float64{}
	for _, r := range rows {
		out[int64(r[0])] = r[1]
	}
	return out, nil
}
