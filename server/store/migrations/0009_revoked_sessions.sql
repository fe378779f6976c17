-- Sessions signed out one at a time. A session lives in a signed cookie, so signing out
-- cannot delete it: a copy taken before (another tab, a stolen cookie) would still sign in.
-- Its id is kept here until the session would have expired anyway, and the server refuses
-- it. Signing out everywhere still bumps users.session_epoch instead.
CREATE TABLE revoked_sessions (
    sid        TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX revoked_sessions_expires ON revoked_sessions (expires_at);
