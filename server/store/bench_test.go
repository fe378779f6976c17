package store_test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"crmlab/server/store"
	"crmlab/server/store/storetest"
)

// BenchmarkStudentPageQueries times the queries behind a student's home page.
func BenchmarkStudentPageQueries(b *testing.B) {
	s := storetest.Open(b)
	teacher, _ := s.CreateUser(ctx, store.User{Role: store.RoleInstructor, Login: "t", Name: "t", PasswordHash: "x"})
	stu, _ := s.CreateUser(ctx, store.User{Role: store.RoleStudent, Login: "s", Name: "s", PasswordHash: "x"})
	n := 0
	for i := 0; i < 3; i++ {
		cls, err := s.CreateClass(ctx, store.Class{Name: "班", InstructorID: teacher.ID}, func() string { n++; return string(rune('A'+n)) + "BCDEF" })
		if err != nil {
			b.Fatal(err)
		}
		s.JoinClass(ctx, store.JoinRequest{ClassID: cls.ID, StudentNo: "s", Name: "s", ExistingUserID: stu.ID, Now: time.Now()})
	}
	b.Run("StudentClasses", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.StudentClasses(ctx, stu.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ActivitiesOfStudent", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.ActivitiesOfStudent(ctx, stu.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ClassByID", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.ClassByID(ctx, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSaveDraft times the store side of an autosave: one autocommitted statement that
// checks the version, writes the draft and counts the saver's run in the same row.
func BenchmarkSaveDraft(b *testing.B) {
	s := storetest.Open(b)
	teacher, _ := s.CreateUser(ctx, store.User{Role: store.RoleInstructor, Login: "t", Name: "t", PasswordHash: "x"})
	stu, _ := s.CreateUser(ctx, store.User{Role: store.RoleStudent, Login: "s", Name: "s", PasswordHash: "x"})
	cls, err := s.CreateClass(ctx, store.Class{Name: "班", InstructorID: teacher.ID}, func() string { return "ABCDEF" })
	if err != nil {
		b.Fatal(err)
	}
	a, err := s.CreateActivity(ctx, store.Activity{ClassID: cls.ID, Kind: "card", ContentID: "c", Title: "c", CreatedBy: teacher.ID})
	if err != nil {
		b.Fatal(err)
	}
	sub, err := s.OpenSubmission(ctx, a.ID, store.Owner{UserID: stu.ID}, time.Now(), func() (string, error) { return "", nil })
	if err != nil {
		b.Fatal(err)
	}
	answer := `{"practice":{"text":"` + strings.Repeat("客户关系管理靠长期积累。", 20) + `"}}`
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := s.SaveDraft(ctx, sub.ID, i, answer, stu.ID, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu_µs/op")
}

// cpuTime is the CPU time this process has used (user and system): on a shared machine it
// moves much less than wall time with other people's work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
