-- The instructor's controls of a class's simulation: hold every team at a step, and events
-- triggered for the whole class (each team meets them in its next month).
CREATE TABLE sim_controls (
    activity_id INTEGER PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    hold_step   INTEGER NOT NULL DEFAULT 0, -- 0: no hold
    triggers    TEXT    NOT NULL DEFAULT '[]' -- JSON list of {id, event}
);
