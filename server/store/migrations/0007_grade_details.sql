-- A group submission is graded once; each member may be moved off the group's score with a
-- reason (for example after the cross-review). Adjustment changes go into grade_audit with
-- the member's name as its subject.
CREATE TABLE grade_adjustments (
    submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    delta         REAL    NOT NULL,
    reason        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, user_id)
);

ALTER TABLE grade_audit ADD COLUMN subject TEXT NOT NULL DEFAULT '';

-- When a student first looked at a released grade, so the home page can say what is new.
CREATE TABLE grade_seen (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (user_id, activity_id)
);
