-- An activity's weight in the class's gradebook total, in per cent (0 everywhere: equal).
ALTER TABLE activities ADD COLUMN weight REAL NOT NULL DEFAULT 0;
