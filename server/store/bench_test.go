package store_test

import (
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
