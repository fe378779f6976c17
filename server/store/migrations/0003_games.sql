-- A live class game. Its state is never stored: it is rebuilt by replaying game_events
-- through the game engine, so an acknowledged command survives any crash.
CREATE TABLE games (
    id          INTEGER PRIMARY KEY,
    class_id    INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    -- The per-group card activity the groups' analyses are saved to.
    activity_id INTEGER REFERENCES activities (id) ON DELETE SET NULL,
    config      TEXT    NOT NULL,
    seed        INTEGER NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    ended_at    INTEGER
);
CREATE INDEX games_class ON games (class_id);

CREATE TABLE game_events (
    game_id INTEGER NOT NULL REFERENCES games (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    command TEXT    NOT NULL,
    PRIMARY KEY (game_id, seq)
);
