-- The market seed of a class's simulation: teams of one activity share it, so they compare
-- fairly, while another class can be given another market. 0: the scenario's own seed.
ALTER TABLE sim_controls ADD COLUMN seed INTEGER NOT NULL DEFAULT 0;
