-- An instructor can close an activity: after that nothing more is accepted.
ALTER TABLE activities ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;

-- One piece of work per activity and owner: a student (individual work) or a group (one
-- shared answer). The draft is the answer being edited; draft_version rises with every
-- save so a save based on an older version is refused instead of overwriting.
CREATE TABLE submissions (
    id             INTEGER PRIMARY KEY,
    activity_id    INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    user_id        INTEGER REFERENCES users (id),
    -- RESTRICT: regrouping a class must not silently delete a group's work.
    group_id       INTEGER REFERENCES class_groups (id) ON DELETE RESTRICT,
    status         TEXT    NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'returned')),
    draft          TEXT    NOT NULL DEFAULT '{}',
    draft_version  INTEGER NOT NULL DEFAULT 0,
    draft_saved_at INTEGER,
    draft_saved_by INTEGER REFERENCES users (id),
    -- Auto-graded cards: the data this owner works on, generated once from the seed.
    variant        TEXT,
    created_at     INTEGER NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX submissions_user ON submissions (activity_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX submissions_group ON submissions (activity_id, group_id) WHERE group_id IS NOT NULL;

-- Every submitted version is kept, frozen.
CREATE TABLE submission_versions (
    id             INTEGER PRIMARY KEY,
    submission_id  INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,
    answer         TEXT    NOT NULL,
    submitted_by   INTEGER NOT NULL REFERENCES users (id),
    submitted_at   INTEGER NOT NULL,
    late           INTEGER NOT NULL DEFAULT 0,
    auto_score     REAL,
    auto_max       REAL,
    auto_result    TEXT,
    returned_at    INTEGER,
    returned_by    INTEGER REFERENCES users (id),
    return_comment TEXT    NOT NULL DEFAULT '',
    UNIQUE (submission_id, number)
);

-- Who worked on a group answer, for the record the issue asks for.
CREATE TABLE submission_contributors (
    submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    saves         INTEGER NOT NULL DEFAULT 0,
    last_at       INTEGER NOT NULL,
    PRIMARY KEY (submission_id, user_id)
);
