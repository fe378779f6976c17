-- Accounts of every role. A student's login is their 学号, so one account follows the
-- student through every class they join.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'instructor', 'trainer', 'student')),
    login         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    -- Bumped whenever the password is reset or the account disabled, so cookies issued
    -- before that stop working at once.
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- One-time admin setup links. Only a hash of the token is kept.
CREATE TABLE setup_tokens (
    token_hash TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE TABLE classes (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    term          TEXT    NOT NULL DEFAULT '',
    join_code     TEXT    NOT NULL UNIQUE,
    instructor_id INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL
);
CREATE INDEX classes_instructor ON classes (instructor_id);

-- The roster. A row exists from import (user_id NULL) or from a join; joining a rostered
-- 学号 claims the row by setting user_id.
CREATE TABLE class_members (
    id         INTEGER PRIMARY KEY,
    class_id   INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    student_no TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    user_id    INTEGER REFERENCES users (id),
    added_at   INTEGER NOT NULL,
    joined_at  INTEGER,
    UNIQUE (class_id, student_no)
);
CREATE UNIQUE INDEX class_members_user ON class_members (class_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX class_members_by_user ON class_members (user_id);

-- "groups" is a keyword in some SQL dialects, hence class_groups.
CREATE TABLE class_groups (
    id               INTEGER PRIMARY KEY,
    class_id         INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    leader_member_id INTEGER REFERENCES class_members (id) ON DELETE SET NULL
);
CREATE INDEX class_groups_class ON class_groups (class_id);

CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES class_groups (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL UNIQUE REFERENCES class_members (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, member_id)
);

-- Work assigned to a class. kind names a registered activity kind (card, sheet, game, …);
-- content_id is the id of the content file that defines it.
CREATE TABLE activities (
    id         INTEGER PRIMARY KEY,
    class_id   INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    content_id TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    per_group  INTEGER NOT NULL DEFAULT 0,
    due_at     INTEGER,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    UNIQUE (class_id, kind, content_id)
);
