package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Group is a team of a class with its leader.
type Group struct {
	ID       int64
	ClassID  int64
	Position int
	Name     string
	LeaderID int64 // member id; 0 when none
	Members  []Member
}

// Groups lists a class's groups in order, each with its members ordered by 学号.
func (s *Store) Groups(ctx context.Context, classID int64) ([]Group, error) {
	rows, err := s.query(ctx, "SELECT id, class_id, position, name, leader_member_id FROM class_groups WHERE class_id = ? ORDER BY position", classID)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	var groups []Group
	index := map[int64]int{}
	for rows.Next() {
		var g Group
		var leader sql.NullInt64
		if err := rows.Scan(&g.ID, &g.ClassID, &g.Position, &g.Name, &leader); err != nil {
			rows.Close()
			return nil, err
		}
		g.LeaderID = leader.Int64
		index[g.ID] = len(groups)
		groups = append(groups, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	members, err := s.Members(ctx, classID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if i, ok := index[m.GroupID]; ok {
			groups[i].Members = append(groups[i].Members, m)
		}
	}
	return groups, nil
}

// GroupSpec is one group to save.
type GroupSpec struct {
	Name      string
	MemberIDs []int64
	LeaderID  int64
}

// ReplaceGroups replaces all groups of a class in one transaction. Every member id must be
// on the class roster; ErrNotFound otherwise.
func (s *Store) ReplaceGroups(ctx context.Context, classID int64, specs []GroupSpec) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM class_groups WHERE class_id = ?", classID); err != nil {
			return fmt.Errorf("clear groups: %w", err)
		}
		for i, g := range specs {
			var leader sql.NullInt64
			if g.LeaderID != 0 {
				leader = sql.NullInt64{Int64: g.LeaderID, Valid: true}
			}
			res, err := tx.ExecContext(ctx, "INSERT INTO class_groups (class_id, position, name, leader_member_id) VALUES (?, ?, ?, ?)",
				classID, i+1, g.Name, leader)
			if err != nil {
				return fmt.Errorf("insert group %d: %w", i+1, err)
			}
			gid, err := res.LastInsertId()
			if err != nil {
				return err
			}
			for _, mid := range g.MemberIDs {
				// The INSERT … SELECT refuses a member of another class by inserting nothing.
				if err := execOne(ctx, tx, "INSERT INTO group_members (group_id, member_id) SELECT ?, id FROM class_members WHERE id = ? AND class_id = ?",
					gid, mid, classID); err != nil {
					return fmt.Errorf("add member %d to group %d: %w", mid, i+1, err)
				}
			}
		}
		return nil
	})
}

// StudentGroup is the group a student is in within one class.
type StudentGroup struct {
	GroupID    int64
	Name       string
	LeaderName string
	IsLeader   bool
}

// GroupsOfStudent maps class id → the student's group, for every class where they have one.
func (s *Store) GroupsOfStudent(ctx context.Context, userID int64) (map[int64]StudentGroup, error) {
	rows, err := s.query(ctx, `SELECT m.class_id, g.id, g.name, COALESCE(l.name, ''), g.leader_member_id = m.id
		FROM class_members m
		JOIN group_members gm ON gm.member_id = m.id
		JOIN class_groups g ON g.id = gm.group_id
		LEFT JOIN class_members l ON l.id = g.leader_member_id
		WHERE m.user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("groups of student: %w", err)
	}
	defer rows.Close()
	out := map[int64]StudentGroup{}
	for rows.Next() {
		var classID int64
		var g StudentGroup
		var leader sql.NullBool
		if err := rows.Scan(&classID, &g.GroupID, &g.Name, &g.LeaderName, &leader); err != nil {
			return nil, err
		}
		g.IsLeader = leader.Bool
		out[classID] = g
	}
	return out, rows.Err()
}
