-- Every write of a draft counts its saver as a contributor. Done by a trigger so that an
-- autosave is one autocommitted statement (the versioned UPDATE) instead of a transaction
-- of two: BEGIN, a second statement and COMMIT were most of an autosave's time in the store.
-- Every UPDATE that moves draft_version sets draft_saved_by and draft_saved_at with it.
CREATE TRIGGER submission_contributors_count AFTER UPDATE OF draft_version ON submissions
WHEN NEW.draft_saved_by IS NOT NULL
BEGIN
    INSERT INTO submission_contributors (submission_id, user_id, saves, last_at)
    VALUES (NEW.id, NEW.draft_saved_by, 1, NEW.draft_saved_at)
    ON CONFLICT (submission_id, user_id) DO UPDATE SET saves = saves + 1, last_at = excluded.last_at;
END;
