package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Game is a live class game; its state lives in its event log.
type Game struct {
	ID         int64
	ClassID    int64
	Kind       string
	ActivityID int64
	Config     string
	Seed       uint64
	CreatedBy  int64
	CreatedAt  time.Time
	EndedAt    time.Time
}

// GameEvent is one command of a game's log.
type GameEvent struct {
	Seq     int
	At      time.Time
	Command string
}

const gameSelect = "SELECT id, class_id, kind, activity_id, config, seed, created_by, created_at, ended_at FROM games "

func scanGame(row scanner) (Game, error) {
	var g Game
	var act, ended sql.NullInt64
	var seed, created int64
	err := row.Scan(&g.ID, &g.ClassID, &g.Kind, &act, &g.Config, &seed, &g.CreatedBy, &created, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return g, ErrNotFound
	}
	g.ActivityID, g.Seed, g.CreatedAt, g.EndedAt = act.Int64, uint64(seed), fromMS(created), fromNullMS(ended)
	return g, err
}

// CreateGame stores a new game.
func (s *Store) CreateGame(ctx context.Context, g Game) (Game, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var act sql.NullInt64
		if g.ActivityID != 0 {
			act = sql.NullInt64{Int64: g.ActivityID, Valid: true}
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO games (class_id, kind, activity_id, config, seed, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			g.ClassID, g.Kind, act, g.Config, int64(g.Seed), g.CreatedBy, ms(g.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert game: %w", err)
		}
		g.ID, err = res.LastInsertId()
		return err
	})
	return g, err
}

// GameByID loads a game of a class.
func (s *Store) GameByID(ctx context.Context, classID, id int64) (Game, error) {
	return scanGame(s.queryRow(ctx, gameSelect+"WHERE class_id = ? AND id = ?", classID, id))
}

// GamesOfClass lists a class's games, newest first.
func (s *Store) GamesOfClass(ctx context.Context, classID int64) ([]Game, error) {
	return queryAll(ctx, s, scanGame, gameSelect+"WHERE class_id = ? ORDER BY id DESC", classID)
}

// AppendGameEvent adds the command numbered seq to a game's log. The number must follow the
// last one: ErrConflict otherwise, so two writers can never both append the same step.
func (s *Store) AppendGameEvent(ctx context.Context, gameID int64, seq int, at time.Time, command string, ended bool) error {
	run := s.quietTx // a live game appends many commands; only its end changes other pages
	if ended {
		run = s.tx
	}
	return run(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO game_events (game_id, seq, at, command) VALUES (?, ?, ?, ?)", gameID, seq, ms(at), command)
		if isUnique(err) {
			return ErrConflict
		}
		if err != nil {
			return fmt.Errorf("append game event: %w", err)
		}
		if ended {
			_, err = tx.ExecContext(ctx, "UPDATE games SET ended_at = ? WHERE id = ?", ms(at), gameID)
		}
		return err
	})
}

// GameEvents returns a game's whole log in order, read through the writer so a replay sees
// every acknowledged command.
func (s *Store) GameEvents(ctx context.Context, gameID int64) ([]GameEvent, error) {
	rows, err := s.w.QueryContext(ctx, "SELECT seq, at, command FROM game_events WHERE game_id = ? ORDER BY seq", gameID)
	if err != nil {
		return nil, fmt.Errorf("game events: %w", err)
	}
	defer rows.Close()
	var out []GameEvent
	for rows.Next() {
		var e GameEvent
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Command); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
