-- The instructor's grade of a submission (one per submission: the latest grading of the
-- latest version). Every change is kept in grade_audit.
CREATE TABLE grades (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    choices       TEXT    NOT NULL, -- JSON: criterion id → {level, comment}
    overall       TEXT    NOT NULL DEFAULT '',
    score         REAL    NOT NULL,
    max           REAL    NOT NULL,
    graded_by     INTEGER NOT NULL REFERENCES users (id),
    graded_at     INTEGER NOT NULL
);

CREATE TABLE grade_audit (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    changed_by    INTEGER NOT NULL REFERENCES users (id),
    changed_at    INTEGER NOT NULL,
    old_score     REAL,
    new_score     REAL    NOT NULL,
    reason        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX grade_audit_submission ON grade_audit (submission_id);

-- Grades stay hidden from students until the instructor releases the activity.
ALTER TABLE activities ADD COLUMN released_at INTEGER;
