package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Submission states.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusReturned  = "returned"
)

// Errors of the submission workflow.
var (
	// ErrStale: the save was based on an older version than the one stored.
	ErrStale = errors.New("stale version")
	// ErrFrozen: the work is submitted and waits for the instructor; it cannot change.
	ErrFrozen = errors.New("submitted work is frozen")
)

// Owner is whose work a submission is: one student, or one group.
type Owner struct {
	UserID  int64
	GroupID int64
}

// Submission is one owner's work on one activity.
type Submission struct {
	ID               int64
	ActivityID       int64
	Owner            Owner
	Status           string
	Draft            string // answer JSON
	DraftVersion     int
	DraftSavedAt     time.Time
	DraftSavedBy     int64
	DraftSavedByName string
	Variant          string // auto-graded data JSON; "" for other work
	CreatedAt        time.Time
}

const submissionSelect = `SELECT s.id, s.activity_id, s.user_id, s.group_id, s.status, s.draft, s.draft_version,
	s.draft_saved_at, s.draft_saved_by, COALESCE(u.name, ''), COALESCE(s.variant, ''), s.created_at
	FROM submissions s LEFT JOIN users u ON u.id = s.draft_saved_by `

func scanSubmission(row scanner) (Submission, error) {
	var sub Submission
	var uid, gid, savedAt, savedBy sql.NullInt64
	var created int64
	err := row.Scan(&sub.ID, &sub.ActivityID, &uid, &gid, &sub.Status, &sub.Draft, &sub.DraftVersion,
		&savedAt, &savedBy, &sub.DraftSavedByName, &sub.Variant, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, ErrNotFound
	}
	sub.Owner = Owner{UserID: uid.Int64, GroupID: gid.Int64}
	sub.DraftSavedAt, sub.DraftSavedBy, sub.CreatedAt = fromNullMS(savedAt), savedBy.Int64, fromMS(created)
	return sub, err
}

func ownerArgs(o Owner) (sql.NullInt64, sql.NullInt64) {
	var u, g sql.NullInt64
	if o.GroupID != 0 {
		g = sql.NullInt64{Int64: o.GroupID, Valid: true}
	} else {
		u = sql.NullInt64{Int64: o.UserID, Valid: true}
	}
	return u, g
}

// OpenSubmission returns the owner's submission for an activity, creating it on first open.
// variant makes the auto-graded data for a new submission ("" for none); it is generated
// once, so the data a student works on never changes under them.
func (s *Store) OpenSubmission(ctx context.Context, activityID int64, o Owner, now time.Time, variant func() (string, error)) (Submission, error) {
	sub, err := s.findSubmission(ctx, readers{s}, activityID, o)
	if !errors.Is(err, ErrNotFound) {
		return sub, err
	}
	v, err := variant()
	if err != nil {
		return sub, fmt.Errorf("make variant: %w", err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		u, g := ownerArgs(o)
		var nv sql.NullString
		if v != "" {
			nv = sql.NullString{String: v, Valid: true}
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO submissions (activity_id, user_id, group_id, variant, created_at) VALUES (?, ?, ?, ?, ?)",
			activityID, u, g, nv, ms(now))
		if isUnique(err) {
			return nil // a group mate opened it a moment ago: use theirs
		}
		return err
	})
	if err != nil {
		return sub, fmt.Errorf("create submission: %w", err)
	}
	return s.findSubmission(ctx, s.w, activityID, o)
}

// FindSubmission returns the owner's submission for an activity without creating one;
// ErrNotFound when they have not opened it yet.
func (s *Store) FindSubmission(ctx context.Context, activityID int64, o Owner) (Submission, error) {
	return s.findSubmission(ctx, readers{s}, activityID, o)
}

// readers runs QueryRowContext through the readers' prepared statements.
type readers struct{ s *Store }

func (r readers) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.s.queryRow(ctx, q, args...)
}

func (s *Store) findSubmission(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, activityID int64, o Owner) (Submission, error) {
	if o.GroupID != 0 {
		return scanSubmission(db.QueryRowContext(ctx, submissionSelect+"WHERE s.activity_id = ? AND s.group_id = ?", activityID, o.GroupID))
	}
	return scanSubmission(db.QueryRowContext(ctx, submissionSelect+"WHERE s.activity_id = ? AND s.user_id = ?", activityID, o.UserID))
}

// SubmissionByID loads a submission of an activity.
func (s *Store) SubmissionByID(ctx context.Context, activityID, id int64) (Submission, error) {
	return scanSubmission(s.queryRow(ctx, submissionSelect+"WHERE s.activity_id = ? AND s.id = ?", activityID, id))
}

// SaveDraft stores an answer when baseVersion is the stored version, and counts the saver
// as a contributor. It returns what it wrote (the draft with its version, time and saver;
// the status is not read back). On ErrStale it returns the stored submission, so the caller
// can show what changed; on ErrFrozen the work waits for the instructor.
func (s *Store) SaveDraft(ctx context.Context, id int64, baseVersion int, answer string, by int64, now time.Time) (Submission, error) {
	// Not tied to the request: for a cancellable context database/sql starts a goroutine
	// per query to watch it and the driver arms an interrupt, which costs more than the
	// statement; a save a few tens of microseconds long is let finish, and its answer
	// decides whether it counts.
	ctx = context.WithoutCancel(ctx)
	for try := 0; ; try++ {
		// The version check and the write are one autocommitted statement, which also
		// counts the contributor (draftSet): an autosave is the most frequent write of a
		// class. The answer is acknowledged only after it committed. Only when it changes
		// nothing is the row read to say why.
		res, err := s.w.ExecContext(ctx, "UPDATE submissions SET "+draftSet+" WHERE id = ? AND draft_version = ? AND status <> ?",
			answer, by, ms(now), by, id, baseVersion, StatusSubmitted)
		if err != nil {
			return Submission{}, fmt.Errorf("save draft: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return Submission{}, fmt.Errorf("save draft: %w", err)
		} else if n == 1 {
			return Submission{ID: id, Draft: answer, DraftVersion: baseVersion + 1, DraftSavedAt: now, DraftSavedBy: by}, nil
		}
		cur, err := scanSubmission(s.w.QueryRowContext(ctx, submissionSelect+"WHERE s.id = ?", id))
		switch {
		case err != nil:
			return cur, err
		case cur.Status == StatusSubmitted:
			return cur, ErrFrozen
		case cur.DraftVersion != baseVersion:
			return cur, ErrStale
		case try == 2:
			return cur, fmt.Errorf("save draft %d: nothing updated", id)
		}
		// Returned for revision between the two statements: the save applies now.
	}
}

// editable checks, inside a write transaction, that a submission may take a write based on
// baseVersion: ErrFrozen when it waits for the instructor, ErrStale when someone saved since.
func editable(ctx context.Context, tx *sql.Tx, id int64, baseVersion int) (status string, version int, err error) {
	err = tx.QueryRowContext(ctx, "SELECT status, draft_version FROM submissions WHERE id = ?", id).Scan(&status, &version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", 0, ErrNotFound
	case err != nil:
		return "", 0, err
	case status == StatusSubmitted:
		return status, version, ErrFrozen
	case version != baseVersion:
		return status, version, ErrStale
	}
	return status, version, nil
}

// draftSet is the SET clause of every write of a draft; its arguments are the answer, the
// saver, the time and the saver again. It counts the saver as a contributor: draft_run is
// the saver's saves in a row, and when someone else saves, the trigger of migration 0011
// adds the previous saver's run to submission_contributors.
const draftSet = `draft = ?, draft_version = draft_version + 1,
	draft_run = CASE WHEN draft_saved_by IS ? THEN draft_run + 1 ELSE 1 END, draft_saved_at = ?, draft_saved_by = ?`

// writeDraft writes the answer in a transaction that has checked the version (editable).
func writeDraft(ctx context.Context, tx *sql.Tx, id int64, answer string, by int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, "UPDATE submissions SET "+draftSet+" WHERE id = ?", answer, by, ms(now), by, id); err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	return nil
}

// AutoGrade is the score an auto-graded card got on submission.
type AutoGrade struct {
	Score  float64
	Max    float64
	Result string // JSON feedback
}

// Version is one frozen submission.
type Version struct {
	ID              int64
	SubmissionID    int64
	Number          int
	Answer          string
	SubmittedBy     int64
	SubmittedByName string
	SubmittedAt     time.Time
	Late            bool
	Auto            *AutoGrade
	ReturnedAt      time.Time
	ReturnComment   string
}

// Submit freezes the answer as a new version in one transaction: the draft is saved (if
// baseVersion is current), the version numbered after the last, the status set.
func (s *Store) Submit(ctx context.Context, id int64, baseVersion int, answer string, by int64, now time.Time, late bool, auto *AutoGrade) (Version, error) {
	v := Version{SubmissionID: id, Answer: answer, SubmittedBy: by, SubmittedAt: now, Late: late, Auto: auto}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, _, err := editable(ctx, tx, id, baseVersion); err != nil {
			return err
		}
		if err := writeDraft(ctx, tx, id, answer, by, now); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(number), 0) + 1 FROM submission_versions WHERE submission_id = ?", id).Scan(&v.Number); err != nil {
			return err
		}
		var score, max sql.NullFloat64
		var result sql.NullString
		if auto != nil {
			score, max = sql.NullFloat64{Float64: auto.Score, Valid: true}, sql.NullFloat64{Float64: auto.Max, Valid: true}
			result = sql.NullString{String: auto.Result, Valid: true}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO submission_versions (submission_id, number, answer, submitted_by, submitted_at, late, auto_score, auto_max, auto_result)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, v.Number, answer, by, ms(now), late, score, max, result)
		if err != nil {
			return fmt.Errorf("insert version: %w", err)
		}
		if v.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE submissions SET status = ? WHERE id = ?", StatusSubmitted, id)
		return err
	})
	return v, err
}

// ReturnForRevision sends submitted work back to its owner with a comment; the owner can
// edit and submit a new version.
func (s *Store) ReturnForRevision(ctx context.Context, id int64, by int64, comment string, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := execOne(ctx, tx, "UPDATE submissions SET status = ? WHERE id = ? AND status = ?", StatusReturned, id, StatusSubmitted); err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrFrozen // not in the submitted state: nothing to return
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE submission_versions SET returned_at = ?, returned_by = ?, return_comment = ?
			WHERE submission_id = ? AND number = (SELECT MAX(number) FROM submission_versions WHERE submission_id = ?)`,
			ms(now), by, comment, id, id)
		return err
	})
}

const versionSelect = `SELECT v.id, v.submission_id, v.number, v.answer, v.submitted_by, COALESCE(u.name, ''), v.submitted_at, v.late,
	v.auto_score, v.auto_max, v.auto_result, v.returned_at, v.return_comment
	FROM submission_versions v LEFT JOIN users u ON u.id = v.submitted_by `

func scanVersion(row scanner) (Version, error) {
	var v Version
	var at int64
	var score, max sql.NullFloat64
	var result sql.NullString
	var returned sql.NullInt64
	err := row.Scan(&v.ID, &v.SubmissionID, &v.Number, &v.Answer, &v.SubmittedBy, &v.SubmittedByName, &at, &v.Late,
		&score, &max, &result, &returned, &v.ReturnComment)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	v.SubmittedAt, v.ReturnedAt = fromMS(at), fromNullMS(returned)
	if score.Valid {
		v.Auto = &AutoGrade{Score: score.Float64, Max: max.Float64, Result: result.String}
	}
	return v, err
}

// Versions lists a submission's frozen versions, newest first.
func (s *Store) Versions(ctx context.Context, submissionID int64) ([]Version, error) {
	return queryAll(ctx, s, scanVersion, versionSelect+"WHERE v.submission_id = ? ORDER BY v.number DESC", submissionID)
}

// Contributor is someone who saved a group answer.
type Contributor struct {
	UserID int64
	Name   string
	Saves  int
	LastAt time.Time
}

// Contributors lists who saved a submission, most saves first: the counts in
// submission_contributors and the last saver's run not yet moved there (see draftSet).
func (s *Store) Contributors(ctx context.Context, submissionID int64) ([]Contributor, error) {
	return queryAll(ctx, s, func(row scanner) (Contributor, error) {
		var c Contributor
		var at int64
		err := row.Scan(&c.UserID, &c.Name, &c.Saves, &at)
		c.LastAt = fromMS(at)
		return c, err
	}, `SELECT x.user_id, u.name, SUM(x.saves) AS total, MAX(x.last_at) FROM (
			SELECT user_id, saves, last_at FROM submission_contributors WHERE submission_id = ?
			UNION ALL
			SELECT draft_saved_by, draft_run, draft_saved_at FROM submissions WHERE id = ? AND draft_run > 0
		) x JOIN users u ON u.id = x.user_id
		GROUP BY x.user_id ORDER BY total DESC, u.name`, submissionID, submissionID)
}

// SubmissionRow is one line of an activity's list of work, for the instructor.
type SubmissionRow struct {
	Submission
	Versions  int
	LastAt    time.Time
	Late      bool
	AutoScore sql.NullFloat64
	AutoMax   sql.NullFloat64
	Grade     sql.NullFloat64 // the instructor's grade, if any
	GradeMax  sql.NullFloat64
	GradedVer sql.NullInt64 // the version the grade was given to
}

// NeedsGrade says whether handed-in work waits for the instructor: never graded, or handed
// in again (after a return) since it was.
func (r SubmissionRow) NeedsGrade() bool {
	return r.Status == StatusSubmitted && (!r.Grade.Valid || r.GradedVer.Int64 < int64(r.Versions))
}

// SubmissionsOfActivity lists every submission of an activity with its latest version.
func (s *Store) SubmissionsOfActivity(ctx context.Context, activityID int64) ([]SubmissionRow, error) {
	return queryAll(ctx, s, func(row scanner) (SubmissionRow, error) {
		var r SubmissionRow
		var uid, gid, savedAt, savedBy, last sql.NullInt64
		var created int64
		var late sql.NullBool
		err := row.Scan(&r.ID, &r.ActivityID, &uid, &gid, &r.Status, &r.Draft, &r.DraftVersion, &savedAt, &savedBy,
			&r.DraftSavedByName, &r.Variant, &created, &r.Versions, &last, &late, &r.AutoScore, &r.AutoMax, &r.Grade, &r.GradeMax, &r.GradedVer)
		r.Owner = Owner{UserID: uid.Int64, GroupID: gid.Int64}
		r.DraftSavedAt, r.DraftSavedBy, r.CreatedAt = fromNullMS(savedAt), savedBy.Int64, fromMS(created)
		r.LastAt, r.Late = fromNullMS(last), late.Bool
		return r, err
	}, `SELECT s.id, s.activity_id, s.user_id, s.group_id, s.status, s.draft, s.draft_version,
		s.draft_saved_at, s.draft_saved_by, COALESCE(u.name, ''), COALESCE(s.variant, ''), s.created_at,
		(SELECT COUNT(*) FROM submission_versions v WHERE v.submission_id = s.id),
		lv.submitted_at, lv.late, lv.auto_score, lv.auto_max, g.score, g.max, g.version
		FROM submissions s
		LEFT JOIN grades g ON g.submission_id = s.id
		LEFT JOIN users u ON u.id = s.draft_saved_by
		LEFT JOIN submission_versions lv ON lv.submission_id = s.id
			AND lv.number = (SELECT MAX(number) FROM submission_versions WHERE submission_id = s.id)
		WHERE s.activity_id = ? ORDER BY s.id`, activityID)
}

// GroupOfUser returns the group a student is in within a class; ErrNotFound when none.
func (s *Store) GroupOfUser(ctx context.Context, classID, userID int64) (Group, error) {
	var g Group
	var leader sql.NullInt64
	err := s.queryRow(ctx, `SELECT g.id, g.class_id, g.position, g.name, g.leader_member_id
		FROM class_groups g JOIN group_members gm ON gm.group_id = g.id JOIN class_members m ON m.id = gm.member_id
		WHERE g.class_id = ? AND m.user_id = ?`, classID, userID).Scan(&g.ID, &g.ClassID, &g.Position, &g.Name, &leader)
	if errors.Is(err, sql.ErrNoRows) {
		return g, ErrNotFound
	}
	g.LeaderID = leader.Int64
	return g, err
}
