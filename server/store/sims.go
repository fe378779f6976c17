package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrSimStarted refuses a change of the market once a team has started running it.
var ErrSimStarted = errors.New("a team has started the simulation run")

// SimTrigger is an event the instructor set off for the class; ID numbers them so each team
// applies each trigger once.
type SimTrigger struct {
	ID    int    `json:"id"`
	Event string `json:"event"`
}

// SimControls are the instructor's controls of one simulation activity.
type SimControls struct {
	HoldStep int
	Triggers []SimTrigger
	// Seed is the market every team of the activity plays; 0 means the scenario's own.
	Seed int64
}

// SeedOr is the activity's market seed, or def (the scenario's) when none was set.
func (c SimControls) SeedOr(def uint64) uint64 {
	if c.Seed > 0 {
		return uint64(c.Seed)
	}
	return def
}

const simControlsSelect = "SELECT hold_step, triggers, seed FROM sim_controls WHERE activity_id = ?"

func scanSimControls(row scanner) (SimControls, error) {
	var c SimControls
	var triggers string
	if err := row.Scan(&c.HoldStep, &triggers, &c.Seed); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(triggers), &c.Triggers); err != nil {
		return c, fmt.Errorf("decode triggers: %w", err)
	}
	return c, nil
}

// SimControlsOf loads an activity's controls (zero value when none were set).
func (s *Store) SimControlsOf(ctx context.Context, activityID int64) (SimControls, error) {
	c, err := scanSimControls(s.queryRow(ctx, simControlsSelect, activityID))
	if errors.Is(err, sql.ErrNoRows) {
		return SimControls{}, nil
	}
	if err != nil {
		return c, fmt.Errorf("sim controls of activity %d: %w", activityID, err)
	}
	return c, nil
}

// UpdateSimControls changes an activity's controls in one transaction.
func (s *Store) UpdateSimControls(ctx context.Context, activityID int64, change func(*SimControls)) (SimControls, error) {
	return s.updateSimControls(ctx, activityID, func(_ *sql.Tx, c *SimControls) error {
		change(c)
		return nil
	})
}

// SetSimSeed gives the activity's teams another market. started reads a team's draft and
// says whether it has begun the run; if any has, the seed stays and ErrSimStarted is
// returned. The check and the change are one transaction, so no save slips in between.
func (s *Store) SetSimSeed(ctx context.Context, activityID int64, seed int64, started func(draft string) bool) (SimControls, error) {
	return s.updateSimControls(ctx, activityID, func(tx *sql.Tx, c *SimControls) error {
		rows, err := tx.QueryContext(ctx, "SELECT draft FROM submissions WHERE activity_id = ?", activityID)
		if err != nil {
			return fmt.Errorf("read drafts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var draft string
			if err := rows.Scan(&draft); err != nil {
				return fmt.Errorf("read draft: %w", err)
			}
			if started(draft) {
				return ErrSimStarted
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read drafts: %w", err)
		}
		c.Seed = seed
		return nil
	})
}

func (s *Store) updateSimControls(ctx context.Context, activityID int64, change func(*sql.Tx, *SimControls) error) (SimControls, error) {
	var c SimControls
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanSimControls(tx.QueryRowContext(ctx, simControlsSelect, activityID))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if errors.Is(err, sql.ErrNoRows) {
			c = SimControls{}
		}
		if err := change(tx, &c); err != nil {
			return err
		}
		b, _ := json.Marshal(c.Triggers)
		_, err = tx.ExecContext(ctx, `INSERT INTO sim_controls (activity_id, hold_step, triggers, seed) VALUES (?, ?, ?, ?)
			ON CONFLICT (activity_id) DO UPDATE SET hold_step = excluded.hold_step, triggers = excluded.triggers, seed = excluded.seed`,
			activityID, c.HoldStep, string(b), c.Seed)
		return err
	})
	if err != nil && !errors.Is(err, ErrSimStarted) {
		err = fmt.Errorf("update sim controls of activity %d: %w", activityID, err)
	}
	return c, err
}
