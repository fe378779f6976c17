package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

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
}

// SimControlsOf loads an activity's controls (zero value when none were set).
func (s *Store) SimControlsOf(ctx context.Context, activityID int64) (SimControls, error) {
	var c SimControls
	var triggers string
	err := s.queryRow(ctx, "SELECT hold_step, triggers FROM sim_controls WHERE activity_id = ?", activityID).Scan(&c.HoldStep, &triggers)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("sim controls: %w", err)
	}
	return c, json.Unmarshal([]byte(triggers), &c.Triggers)
}

// UpdateSimControls changes an activity's controls in one transaction.
func (s *Store) UpdateSimControls(ctx context.Context, activityID int64, change func(*SimControls)) (SimControls, error) {
	var c SimControls
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var triggers string
		err := tx.QueryRowContext(ctx, "SELECT hold_step, triggers FROM sim_controls WHERE activity_id = ?", activityID).Scan(&c.HoldStep, &triggers)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			if err := json.Unmarshal([]byte(triggers), &c.Triggers); err != nil {
				return err
			}
		}
		change(&c)
		b, _ := json.Marshal(c.Triggers)
		_, err = tx.ExecContext(ctx, `INSERT INTO sim_controls (activity_id, hold_step, triggers) VALUES (?, ?, ?)
			ON CONFLICT (activity_id) DO UPDATE SET hold_step = excluded.hold_step, triggers = excluded.triggers`, activityID, c.HoldStep, string(b))
		return err
	})
	return c, err
}
