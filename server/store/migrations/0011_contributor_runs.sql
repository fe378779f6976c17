-- Consecutive saves of one person are counted in the submission's own row (draft_run: the
-- saves of draft_saved_by since someone else last saved) and moved into
-- submission_contributors only when another member saves. Most autosaves follow a save by
-- the same person, and so write one row (one page of the WAL) instead of two. Contributors
-- adds the pending run to the counts of the table.
ALTER TABLE submissions ADD COLUMN draft_run INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER submission_contributors_count;
CREATE TRIGGER submission_contributors_flush AFTER UPDATE OF draft_saved_by ON submissions
WHEN OLD.draft_run > 0 AND OLD.draft_saved_by IS NOT NEW.draft_saved_by
BEGIN
    INSERT INTO submission_contributors (submission_id, user_id, saves, last_at)
    VALUES (OLD.id, OLD.draft_saved_by, OLD.draft_run, OLD.draft_saved_at)
    ON CONFLICT (submission_id, user_id) DO UPDATE SET saves = saves + excluded.saves, last_at = excluded.last_at;
END;
