package store

import (
	"context"
	"database/sql"
	"errors"
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

// ErrGroupHasWork refuses a regrouping that would delete a group which already has group work.
var ErrGroupHasWork = errors.New("group has work")

// ReplaceGroups replaces all groups of a class in one transaction. Groups keep their rows by
// position (第1组 stays the same row), so group work stays with its group; a group that
// would disappear while it has work is refused with ErrGroupHasWork. Every member id must
// be on the class roster; ErrNotFound otherwise.
func (s *Store) ReplaceGroups(ctx context.Context, classID int64, specs []GroupSpec) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var existing []int64
		rows, err := tx.QueryContext(ctx, "SELECT id FROM class_groups WHERE class_id = ? ORDER BY position", classID)
		if err != nil {
			return fmt.Errorf("list groups: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			existing = append(existing, id)
		}
		rows.Close()
		if _, err := tx.ExecContext(ctx, "DELETE FROM group_members WHERE group_id IN (SELECT id FROM class_groups WHERE class_id = ?)", classID); err != nil {
			return fmt.Errorf("clear group members: %w", err)
		}
		for _, id := range existing[min(len(specs), len(existing)):] {
			var work int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM submissions WHERE group_id = ?", id).Scan(&work); err != nil {
				return err
			}
			if work > 0 {
				return ErrGroupHasWork // the foreign key would refuse it too; this says why
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM class_groups WHERE id = ?", id); err != nil {
				return fmt.Errorf("delete group: %w", err)
			}
		}
		for i, g := range specs {
			var leader sql.NullInt64
			if g.LeaderID != 0 {
				leader = sql.NullInt64{Int64: g.LeaderID, Valid: true}
			}
			var gid int64
			if i < len(existing) {
				gid = existing[i]
				// Positions are rewritten in order, so no two rows ever share one.
				if _, err := tx.ExecContext(ctx, "UPDATE class_groups SET position = ?, name = ?, leader_member_id = ? WHERE id = ?",
					i+1, g.Name, leader, gid); err != nil {
					return fmt.Errorf("update group %d: %w", i+1, err)
				}
			} else {
				res, err := tx.ExecContext(ctx, "INSERT INTO class_groups (class_id, position, name, leader_member_id) VALUES (?, ?, ?, ?)",
					classID, i+1, g.Name, leader)
				if err != nil {
					return fmt.Errorf("insert group %d: %w", i+1, err)
				}
				if gid, err = res.LastInsertId(); err != nil {
					return err
				}
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

// StudentClass is a class as its student sees it: with their own group, if any.
type StudentClass struct {
	ClassID        int64
	Name           string
	Term           string
	InstructorName string
	Group          string // "" when not in a group
	LeaderName     string
	IsLeader       bool
}

// StudentClasses lists the classes a student has joined, newest first, each with the
// student's group, in one query: this is the student's home page on every visit.
func (s *Store) StudentClasses(ctx context.Context, userID int64) ([]StudentClass, error) {
	out, err := queryAll(ctx, s, func(row scanner) (StudentClass, error) {
		var sc StudentClass
		var leader sql.NullBool
		err := row.Scan(&sc.ClassID, &sc.Name, &sc.Term, &sc.InstructorName, &sc.Group, &sc.LeaderName, &leader)
		sc.IsLeader = leader.Bool
		return sc, err
	}, `SELECT c.id, c.name, c.term, u.name, COALESCE(g.name, ''), COALESCE(l.name, ''), g.leader_member_id = m.id
		FROM class_members m
		JOIN classes c ON c.id = m.class_id
		JOIN users u ON u.id = c.instructor_id
		LEFT JOIN group_members gm ON gm.member_id = m.id
		LEFT JOIN class_groups g ON g.id = gm.group_id
		LEFT JOIN class_members l ON l.id = g.leader_member_id
		WHERE m.user_id = ?
		ORDER BY c.created_at DESC, c.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("classes of student: %w", err)
	}
	return out, nil
}
