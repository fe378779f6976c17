package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Class is a teaching class with its join code.
type Class struct {
	ID             int64
	Name           string
	Term           string
	JoinCode       string
	InstructorID   int64
	InstructorName string
	CreatedAt      time.Time
	Members        int // rostered students
	Joined         int // of them, those who have claimed their place
}

const classSelect = `SELECT c.id, c.name, c.term, c.join_code, c.instructor_id, u.name, c.created_at,
	(SELECT COUNT(*) FROM class_members m WHERE m.class_id = c.id),
	(SELECT COUNT(*) FROM class_members m WHERE m.class_id = c.id AND m.user_id IS NOT NULL)
	FROM classes c JOIN users u ON u.id = c.instructor_id `

func scanClass(row scanner) (Class, error) {
	var c Class
	var created int64
	err := row.Scan(&c.ID, &c.Name, &c.Term, &c.JoinCode, &c.InstructorID, &c.InstructorName, &created, &c.Members, &c.Joined)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.CreatedAt = fromMS(created)
	return c, err
}

func (s *Store) queryClasses(ctx context.Context, q string, args ...any) ([]Class, error) {
	out, err := queryAll(ctx, s, scanClass, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	return out, nil
}

// CreateClass inserts a class. newCode is called for a join code until one is free.
func (s *Store) CreateClass(ctx context.Context, c Class, newCode func() string) (Class, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	for attempt := 0; attempt < 20; attempt++ {
		c.JoinCode = newCode()
		err := s.tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, "INSERT INTO classes (name, term, join_code, instructor_id, created_at) VALUES (?, ?, ?, ?, ?)",
				c.Name, c.Term, c.JoinCode, c.InstructorID, ms(c.CreatedAt))
			if err != nil {
				return err
			}
			c.ID, err = res.LastInsertId()
			return err
		})
		if isUnique(err) {
			continue // the code is taken; draw another
		}
		if err != nil {
			return c, fmt.Errorf("create class: %w", err)
		}
		return c, nil
	}
	return c, fmt.Errorf("create class: no free join code after 20 attempts")
}

// ClassByID loads a class without its member counts: every class page's access check
// loads its class, and counting the roster there would cost every request.
func (s *Store) ClassByID(ctx context.Context, id int64) (Class, error) {
	return scanClass(s.queryRow(ctx, `SELECT c.id, c.name, c.term, c.join_code, c.instructor_id, u.name, c.created_at, 0, 0
		FROM classes c JOIN users u ON u.id = c.instructor_id WHERE c.id = ?`, id))
}

// ClassWithCounts loads a class with how many students are on its roster and have joined.
func (s *Store) ClassWithCounts(ctx context.Context, id int64) (Class, error) {
	return scanClass(s.queryRow(ctx, classSelect+"WHERE c.id = ?", id))
}

// ClassByCode loads a class by its join code.
func (s *Store) ClassByCode(ctx context.Context, code string) (Class, error) {
	return scanClass(s.queryRow(ctx, classSelect+"WHERE c.join_code = ?", code))
}

// ClassesOfInstructor lists an instructor's classes, newest first.
func (s *Store) ClassesOfInstructor(ctx context.Context, instructorID int64) ([]Class, error) {
	return s.queryClasses(ctx, classSelect+"WHERE c.instructor_id = ? ORDER BY c.created_at DESC, c.id DESC", instructorID)
}

// AllClasses lists every class, for trainers.
func (s *Store) AllClasses(ctx context.Context) ([]Class, error) {
	return s.queryClasses(ctx, classSelect+"ORDER BY c.term DESC, u.name, c.name")
}

// ClassesOfStudent lists the classes a student has joined.
func (s *Store) ClassesOfStudent(ctx context.Context, userID int64) ([]Class, error) {
	return s.queryClasses(ctx, classSelect+"WHERE c.id IN (SELECT class_id FROM class_members WHERE user_id = ?) ORDER BY c.created_at DESC", userID)
}

// Member is one row of a class roster.
type Member struct {
	ID        int64
	ClassID   int64
	StudentNo string
	Name      string
	UserID    int64 // 0 until the student joins
	AddedAt   time.Time
	JoinedAt  time.Time
	GroupID   int64 // 0 when in no group
}

// Joined reports whether the student has claimed this roster place.
func (m Member) Joined() bool { return m.UserID != 0 }

const memberSelect = `SELECT m.id, m.class_id, m.student_no, m.name, m.user_id, m.added_at, m.joined_at,
	(SELECT gm.group_id FROM group_members gm WHERE gm.member_id = m.id) FROM class_members m `

func scanMember(row scanner) (Member, error) {
	var m Member
	var uid, joined, group sql.NullInt64
	var added int64
	err := row.Scan(&m.ID, &m.ClassID, &m.StudentNo, &m.Name, &uid, &added, &joined, &group)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	m.UserID, m.GroupID = uid.Int64, group.Int64
	m.AddedAt, m.JoinedAt = fromMS(added), fromNullMS(joined)
	return m, err
}

// Members lists a class roster ordered by 学号.
func (s *Store) Members(ctx context.Context, classID int64) ([]Member, error) {
	out, err := queryAll(ctx, s, scanMember, memberSelect+"WHERE m.class_id = ? ORDER BY m.student_no", classID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// MemberByID loads one roster row of a class; ErrNotFound when it belongs to another class.
func (s *Store) MemberByID(ctx context.Context, classID, memberID int64) (Member, error) {
	return scanMember(s.queryRow(ctx, memberSelect+"WHERE m.class_id = ? AND m.id = ?", classID, memberID))
}

// MemberClass loads a class like ClassByID if userID has joined it, and ErrNotFound if the
// class does not exist or the user is not in it: the access check of every student page of a
// class, in one query.
func (s *Store) MemberClass(ctx context.Context, id, userID int64) (Class, error) {
	return scanClass(s.queryRow(ctx, `SELECT c.id, c.name, c.term, c.join_code, c.instructor_id, u.name, c.created_at, 0, 0
		FROM classes c JOIN users u ON u.id = c.instructor_id
		WHERE c.id = ? AND EXISTS (SELECT 1 FROM class_members m WHERE m.class_id = c.id AND m.user_id = ?)`, id, userID))
}

// IsMember reports whether a user has joined a class.
func (s *Store) IsMember(ctx context.Context, classID, userID int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, "SELECT COUNT(*) FROM class_members WHERE class_id = ? AND user_id = ?", classID, userID).Scan(&n)
	return n > 0, err
}

// RosterEntry is a student to add to a roster.
type RosterEntry struct {
	StudentNo string
	Name      string
}

// ImportResult counts what an import did.
type ImportResult struct {
	Added     int
	Updated   int // unclaimed rows whose name changed
	Unchanged int
}

// ImportRoster adds roster rows in one transaction. A 学号 already on the roster keeps its
// row: an unclaimed one takes the new name, a claimed one is left as the student claimed it.
func (s *Store) ImportRoster(ctx context.Context, classID int64, entries []RosterEntry, now time.Time) (ImportResult, error) {
	var r ImportResult
	err := s.tx(ctx, func(tx *sql.Tx) error {
		r = ImportResult{}
		for _, e := range entries {
			var id int64
			var name string
			var uid sql.NullInt64
			err := tx.QueryRowContext(ctx, "SELECT id, name, user_id FROM class_members WHERE class_id = ? AND student_no = ?",
				classID, e.StudentNo).Scan(&id, &name, &uid)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, "INSERT INTO class_members (class_id, student_no, name, added_at) VALUES (?, ?, ?, ?)",
					classID, e.StudentNo, e.Name, ms(now)); err != nil {
					return fmt.Errorf("add %s: %w", e.StudentNo, err)
				}
				r.Added++
			case err != nil:
				return err
			case !uid.Valid && name != e.Name:
				if _, err := tx.ExecContext(ctx, "UPDATE class_members SET name = ? WHERE id = ?", e.Name, id); err != nil {
					return err
				}
				r.Updated++
			default:
				r.Unchanged++
			}
		}
		return nil
	})
	return r, err
}

// RemoveMember takes a student off a class roster (and out of their group). The account
// stays: the student may be in other classes.
func (s *Store) RemoveMember(ctx context.Context, classID, memberID int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE class_groups SET leader_member_id = NULL WHERE leader_member_id = ?", memberID); err != nil {
			return err
		}
		return execOne(ctx, tx, "DELETE FROM class_members WHERE class_id = ? AND id = ?", classID, memberID)
	})
}

// Join errors.
var (
	ErrAlreadyClaimed = errors.New("student number already claimed")
	ErrNameMismatch   = errors.New("name does not match the roster")
	ErrAlreadyMember  = errors.New("already a member")
)

// JoinRequest is a student joining a class by its code.
type JoinRequest struct {
	ClassID   int64
	StudentNo string
	Name      string
	// ExistingUserID is the student's account when they already have one (the caller has
	// checked the password); otherwise NewPasswordHash creates the account.
	ExistingUserID  int64
	NewPasswordHash string
	Now             time.Time
}

// JoinClass claims the student's roster row or adds one, creating the account if needed,
// all in one transaction. It returns the student's account.
func (s *Store) JoinClass(ctx context.Context, req JoinRequest) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var memberID int64
		var rosterName string
		var claimedBy sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT id, name, user_id FROM class_members WHERE class_id = ? AND student_no = ?",
			req.ClassID, req.StudentNo).Scan(&memberID, &rosterName, &claimedBy)
		onRoster := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if onRoster && claimedBy.Valid {
			if claimedBy.Int64 == req.ExistingUserID {
				return ErrAlreadyMember
			}
			return ErrAlreadyClaimed
		}
		if onRoster && !SameName(rosterName, req.Name) {
			return ErrNameMismatch
		}
		if req.ExistingUserID != 0 {
			u, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", req.ExistingUserID))
			if err != nil {
				return err
			}
			if u.Login != req.StudentNo || u.Role != RoleStudent {
				return ErrAlreadyClaimed
			}
		} else {
			u, err = insertUser(ctx, tx, User{Role: RoleStudent, Login: req.StudentNo, Name: req.Name, PasswordHash: req.NewPasswordHash, CreatedAt: req.Now})
			if errors.Is(err, ErrConflict) {
				return ErrAlreadyClaimed // someone created this 学号 a moment ago
			}
			if err != nil {
				return err
			}
		}
		if onRoster {
			_, err = tx.ExecContext(ctx, "UPDATE class_members SET user_id = ?, joined_at = ? WHERE id = ?", u.ID, ms(req.Now), memberID)
		} else {
			_, err = tx.ExecContext(ctx, "INSERT INTO class_members (class_id, student_no, name, user_id, added_at, joined_at) VALUES (?, ?, ?, ?, ?, ?)",
				req.ClassID, req.StudentNo, req.Name, u.ID, ms(req.Now), ms(req.Now))
		}
		if isUnique(err) {
			return ErrAlreadyMember
		}
		return err
	})
	return u, err
}

// SameName compares two spellings of a name ignoring spaces, which rosters and phones
// insert inconsistently (王 小明 / 王小明).
func SameName(a, b string) bool {
	return stripSpaces(a) == stripSpaces(b)
}

func stripSpaces(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case ' ', '\t', '\u3000', '\u00a0':
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

// ClassDeletion is what DeleteClass removed.
type ClassDeletion struct {
	Members  int // roster entries
	Students int // student accounts removed with the class (only when asked)
}

// DeleteClass removes a class and everything in it — roster, groups, activities with every
// submission, version and grade, games with their logs — in one transaction. With
// removeStudents it also removes the accounts of its students who are in no other class and
// have nothing left elsewhere (a practice or load-test class leaves no accounts behind);
// an account still referenced anywhere is kept. ErrNotFound when the class does not exist.
func (s *Store) DeleteClass(ctx context.Context, classID int64, removeStudents bool) (ClassDeletion, error) {
	var del ClassDeletion
	var removed []int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		removed = removed[:0]
		var candidates []int64
		if removeStudents {
			rows, err := tx.QueryContext(ctx, `SELECT m.user_id FROM class_members m JOIN users u ON u.id = m.user_id
				WHERE m.class_id = ? AND u.role = 'student'
				AND NOT EXISTS (SELECT 1 FROM class_members o WHERE o.user_id = m.user_id AND o.class_id <> m.class_id)`, classID)
			if err != nil {
				return fmt.Errorf("students of class %d: %w", classID, err)
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				candidates = append(candidates, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		// Children first: submissions refer to groups with ON DELETE RESTRICT, so they must be
		// gone before the groups; their versions, contributors and grades cascade.
		steps := []string{
			"DELETE FROM submissions WHERE activity_id IN (SELECT id FROM activities WHERE class_id = ?)",
			"DELETE FROM games WHERE class_id = ?",
			"DELETE FROM activities WHERE class_id = ?",
			"UPDATE class_groups SET leader_member_id = NULL WHERE class_id = ?",
			"DELETE FROM class_groups WHERE class_id = ?",
		}
		for _, q := range steps {
			if _, err := tx.ExecContext(ctx, q, classID); err != nil {
				return fmt.Errorf("delete class %d: %w", classID, err)
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM class_members WHERE class_id = ?", classID)
		if err != nil {
			return fmt.Errorf("delete class %d members: %w", classID, err)
		}
		n, _ := res.RowsAffected()
		del.Members = int(n)
		if err := execOne(ctx, tx, "DELETE FROM classes WHERE id = ?", classID); err != nil {
			return err
		}
		for _, id := range candidates {
			// A student removed from another class may still own work there: the foreign
			// keys refuse, and that account stays.
			_, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = ? AND role = 'student'", id)
			if isForeignKey(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("delete student %d: %w", id, err)
			}
			removed = append(removed, id)
		}
		return nil
	})
	if err != nil {
		return ClassDeletion{}, err
	}
	for _, id := range removed {
		s.users.drop(id) // after the commit: see userCache
	}
	del.Students = len(removed)
	return del, nil
}
