package server_test

import (
	"fmt"
	"testing"
	"time"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

// BenchmarkGradebook measures, over loopback HTTP, a class's gradebook page and its XLSX
// export, and the trainer's export of every class, in a school of 10 classes × 50 students
// × 20 graded activities (10,000 graded submissions), each against a bare echo handler in
// the same run (see benchAgainstBareEcho; the ratio is bare time ÷ page time).
//
//	go test ./server/ -run '^$' -bench Gradebook -benchtime 50x
func BenchmarkGradebook(b *testing.B) {
	app := apptest.Start(b, server.Config{})
	teacher, tu := app.As(store.RoleInstructor)
	trainer, _ := app.As(store.RoleTrainer)
	seedSchool(b, app, tu.ID, 10, 50, 20)
	classes, _ := app.Store.AllClasses(ctx)
	first := "/classes/" + itoa(classes[0].ID)
	for _, bc := range []struct {
		name   string
		client *apptest.Client
		path   string
	}{
		{"page", teacher, first + "/gradebook"},
		{"xlsx", teacher, first + "/gradebook.xlsx"},
		{"all-classes-xlsx", trainer, "/review/gradebooks.xlsx"},
		{"review", trainer, "/review?item=card:bench-01"},
	} {
		b.Run(bc.name, func(b *testing.B) { benchAgainstBareEcho(b, app, bc.client, bc.path) })
	}
}

// seedSchool writes classes × students × activities straight through the store: every
// student joins, submits every activity once (a tenth of them late) and is graded.
func seedSchool(b *testing.B, app *apptest.App, instructor int64, classes, students, activities int) {
	b.Helper()
	now := time.Now()
	for c := 0; c < classes; c++ {
		cls, err := app.Store.CreateClass(ctx, store.Class{Name: fmt.Sprintf("物流%d班", c+1), Term: "2025 秋", InstructorID: instructor, CreatedAt: now},
			func() string { return fmt.Sprintf("B%05d", c) })
		if err != nil {
			b.Fatal(err)
		}
		var users []store.User
		for s := 0; s < students; s++ {
			u, err := app.Store.JoinClass(ctx, store.JoinRequest{ClassID: cls.ID, StudentNo: fmt.Sprintf("2025%02d%03d", c, s),
				Name: fmt.Sprintf("学生%d-%d", c, s), NewPasswordHash: "x", Now: now})
			if err != nil {
				b.Fatal(err)
			}
			users = append(users, u)
		}
		for a := 0; a < activities; a++ {
			act, err := app.Store.CreateActivity(ctx, store.Activity{ClassID: cls.ID, Kind: "card", ContentID: fmt.Sprintf("bench-%02d", a+1),
				Title: fmt.Sprintf("练习卡 %d", a+1), CreatedBy: instructor, CreatedAt: now})
			if err != nil {
				b.Fatal(err)
			}
			for i, u := range users {
				sub, err := app.Store.OpenSubmission(ctx, act.ID, store.Owner{UserID: u.ID}, now, func() (string, error) { return "", nil })
				if err != nil {
					b.Fatal(err)
				}
				v, err := app.Store.Submit(ctx, sub.ID, sub.DraftVersion, `{"text":"答案"}`, u.ID, now, i%10 == 0, nil)
				if err != nil {
					b.Fatal(err)
				}
				score := float64(40 + (i*7+a*3)%61)
				g := store.Grade{SubmissionID: sub.ID, Version: v.Number, Choices: fmt.Sprintf(`{"content":{"level":%d}}`, i%4), Score: score, Max: 100,
					GradedBy: instructor, GradedAt: now}
				if err := app.Store.SaveGrade(ctx, g, "", nil); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
