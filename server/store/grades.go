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

// GradeChange is one line of the audit trail. Subject is empty for the grade itself and a
// member's name for a change of that member's adjustment (scores are then the adjustments).
type GradeChange struct {
	By       string
	At       time.Time
	Subject  string
	OldScore sql.NullFloat64
	NewScore float64
	Reason   string
}

// Adjustment moves one member of a group off the group's grade.
type Adjustment struct {
	UserID int64
	Name   string
	Delta  float64
	Reason string
}

// SaveGrade stores a grade and its audit line in one transaction. For a group submission,
// members holds every member's adjustment (zero for none): changed ones are kept and
// audited; nil leaves adjustments as they are.
func (s *Store) SaveGrade(ctx context.Context, g Grade, reason string, members []Adjustment) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := saveAdjustments(ctx, tx, g, members); err != nil {
			return err
		}
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

func saveAdjustments(ctx context.Context, tx *sql.Tx, g Grade, members []Adjustment) error {
	for _, m := range members {
		var old sql.NullFloat64
		err := tx.QueryRowContext(ctx, "SELECT delta FROM grade_adjustments WHERE submission_id = ? AND user_id = ?", g.SubmissionID, m.UserID).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read adjustment: %w", err)
		}
		if old.Float64 == m.Delta {
			if m.Delta != 0 { // same adjustment, perhaps a better reason
				if _, err := tx.ExecContext(ctx, "UPDATE grade_adjustments SET reason = ? WHERE submission_id = ? AND user_id = ?", m.Reason, g.SubmissionID, m.UserID); err != nil {
					return fmt.Errorf("save adjustment: %w", err)
				}
			}
			continue
		}
		if m.Delta == 0 {
			_, err = tx.ExecContext(ctx, "DELETE FROM grade_adjustments WHERE submission_id = ? AND user_id = ?", g.SubmissionID, m.UserID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO grade_adjustments (submission_id, user_id, delta, reason) VALUES (?, ?, ?, ?)
				ON CONFLICT (submission_id, user_id) DO UPDATE SET delta = excluded.delta, reason = excluded.reason`, g.SubmissionID, m.UserID, m.Delta, m.Reason)
		}
		if err != nil {
			return fmt.Errorf("save adjustment: %w", err)
		}
		if !old.Valid {
			old = sql.NullFloat64{Valid: true}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO grade_audit (submission_id, changed_by, changed_at, subject, old_score, new_score, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
			g.SubmissionID, g.GradedBy, ms(g.GradedAt), m.Name, old, m.Delta, m.Reason); err != nil {
			return fmt.Errorf("audit adjustment: %w", err)
		}
	}
	return nil
}

// Adjustments are a group submission's member adjustments, by user id.
func (s *Store) Adjustments(ctx context.Context, submissionID int64) (map[int64]Adjustment, error) {
	rows, err := queryAll(ctx, s, func(row scanner) (Adjustment, error) {
		var a Adjustment
		return a, row.Scan(&a.UserID, &a.Delta, &a.Reason)
	}, "SELECT user_id, delta, reason FROM grade_adjustments WHERE submission_id = ?", submissionID)
	out := map[int64]Adjustment{}
	for _, a := range rows {
		out[a.UserID] = a
	}
	return out, err
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
		err := row.Scan(&c.By, &at, &c.Subject, &c.OldScore, &c.NewScore, &c.Reason)
		c.At = fromMS(at)
		return c, err
	}, `SELECT u.name, a.changed_at, a.subject, a.old_score, a.new_score, a.reason FROM grade_audit a JOIN users u ON u.id = a.changed_by
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
	SubmissionID int64
	ActivityID   int64
	Owner        Owner
	Versions     int
	Late         bool
	Auto         sql.NullFloat64
	AutoMax      sql.NullFloat64
	Grade        sql.NullFloat64
	GradeMax     sql.NullFloat64
}

// ClassResults lists every submission of a class's activities with its latest version's
// lateness and auto-score and its instructor grade.
func (s *Store) ClassResults(ctx context.Context, classID int64) ([]ResultRow, error) {
	return queryAll(ctx, s, func(row scanner) (ResultRow, error) {
		var r ResultRow
		var uid, gid sql.NullInt64
		var late sql.NullBool
		err := row.Scan(&r.SubmissionID, &r.ActivityID, &uid, &gid, &r.Versions, &late, &r.Auto, &r.AutoMax, &r.Grade, &r.GradeMax)
		r.Owner, r.Late = Owner{UserID: uid.Int64, GroupID: gid.Int64}, late.Bool
		return r, err
	}, `SELECT s.id, s.activity_id, s.user_id, s.group_id,
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

// ClassAdjustments are the member adjustments of a class's group submissions:
// submission id → user id → delta.
func (s *Store) ClassAdjustments(ctx context.Context, classID int64) (map[int64]map[int64]float64, error) {
	type adj struct {
		sub, user int64
		delta     float64
	}
	rows, err := queryAll(ctx, s, func(row scanner) (adj, error) {
		var a adj
		return a, row.Scan(&a.sub, &a.user, &a.delta)
	}, `SELECT ga.submission_id, ga.user_id, ga.delta FROM grade_adjustments ga
		JOIN submissions s ON s.id = ga.submission_id JOIN activities a ON a.id = s.activity_id WHERE a.class_id = ?`, classID)
	out := map[int64]map[int64]float64{}
	for _, a := range rows {
		if out[a.sub] == nil {
			out[a.sub] = map[int64]float64{}
		}
		out[a.sub][a.user] = a.delta
	}
	return out, err
}

// ReleasedGrade is a grade a student may see: their own or their group's, of an activity
// whose grades are released, with their adjustment and whether they have looked at it.
type ReleasedGrade struct {
	SubmissionID int64
	ActivityID   int64
	ClassID      int64
	Title        string
	Kind         string
	ContentID    string
	ReleasedAt   time.Time
	Score        float64
	Max          float64
	Delta        float64
	Seen         bool
}

// ReleasedGradesOf lists a student's released grades, newest release first.
func (s *Store) ReleasedGradesOf(ctx context.Context, userID int64) ([]ReleasedGrade, error) {
	return queryAll(ctx, s, func(row scanner) (ReleasedGrade, error) {
		var r ReleasedGrade
		var at int64
		err := row.Scan(&r.SubmissionID, &r.ActivityID, &r.ClassID, &r.Title, &r.Kind, &r.ContentID, &at, &r.Score, &r.Max, &r.Delta, &r.Seen)
		r.ReleasedAt = fromMS(at)
		return r, err
	}, `SELECT s.id, a.id, a.class_id, a.title, a.kind, a.content_id, a.released_at, g.score, g.max, COALESCE(ga.delta, 0),
			EXISTS (SELECT 1 FROM grade_seen gs WHERE gs.user_id = ?1 AND gs.activity_id = a.id)
		FROM activities a
		JOIN class_members cm ON cm.class_id = a.class_id AND cm.user_id = ?1
		JOIN submissions s ON s.activity_id = a.id
		JOIN grades g ON g.submission_id = s.id
		LEFT JOIN grade_adjustments ga ON ga.submission_id = s.id AND ga.user_id = ?1
		WHERE a.released_at IS NOT NULL
			AND (s.user_id = ?1 OR s.group_id = (SELECT gm.group_id FROM group_members gm WHERE gm.member_id = cm.id))
		ORDER BY a.released_at DESC, a.id DESC`, userID)
}

// MarkGradeSeen notes that a student has looked at an activity's released grade.
func (s *Store) MarkGradeSeen(ctx context.Context, userID, activityID int64, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO grade_seen (user_id, activity_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", userID, activityID, ms(now))
		return err
	})
}

// GradeFact is one graded submission anywhere in the school, for the trainer's views.
type GradeFact struct {
	ClassID      int64
	ClassName    string
	ActivityID   int64
	Kind         string
	ContentID    string
	Title        string
	SubmissionID int64
	Owner        Owner
	Score, Max   float64
	Choices      string         // the grade's choices JSON
	GradedBy     string         // the instructor's name and login (names may repeat)
	SelfResult   sql.NullString // the latest version's auto result (a sheet's self-scores)
}

// AllGrades lists every grade of every class (or of one class when classID is not 0).
func (s *Store) AllGrades(ctx context.Context, classID int64) ([]GradeFact, error) {
	return queryAll(ctx, s, func(row scanner) (GradeFact, error) {
		var f GradeFact
		var uid, gid sql.NullInt64
		err := row.Scan(&f.ClassID, &f.ClassName, &f.ActivityID, &f.Kind, &f.ContentID, &f.Title, &f.SubmissionID, &uid, &gid,
			&f.Score, &f.Max, &f.Choices, &f.GradedBy, &f.SelfResult)
		f.Owner = Owner{UserID: uid.Int64, GroupID: gid.Int64}
		return f, err
	}, `SELECT c.id, c.name, a.id, a.kind, a.content_id, a.title, s.id, s.user_id, s.group_id,
			g.score, g.max, g.choices, u.name || '（' || u.login || '）', lv.auto_result
		FROM grades g
		JOIN submissions s ON s.id = g.submission_id
		JOIN activities a ON a.id = s.activity_id
		JOIN classes c ON c.id = a.class_id
		JOIN users u ON u.id = g.graded_by
		LEFT JOIN submission_versions lv ON lv.submission_id = s.id
			AND lv.number = (SELECT MAX(number) FROM submission_versions WHERE submission_id = s.id)
		WHERE ?1 = 0 OR c.id = ?1
		ORDER BY c.id, a.id, s.id`, classID)
}
