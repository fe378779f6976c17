package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"crmlab/server"
	"crmlab/server/apptest"
	"crmlab/server/store"
)

var ctx = context.Background()

// newClass has the instructor create a class through the form and returns it.
func newClass(t *testing.T, app *apptest.App, teacher *apptest.Client, name string) store.Class {
	t.Helper()
	r := teacher.Post("/classes", url.Values{"name": {name}, "term": {"2025-2026 第一学期"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create class: %d %s", r.Status, r.Body)
	}
	id := strings.TrimPrefix(r.Location, "/classes/")
	cls, err := app.Store.ClassByID(ctx, mustInt(t, id))
	if err != nil {
		t.Fatal(err)
	}
	return cls
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int64(r-'0')
	}
	return n
}

func TestJoinCodeAlphabet(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	teacher, _ := app.As(store.RoleInstructor)
	ok := regexp.MustCompile(`^[2-9A-HJKMNP-Z]{6}$`)
	for i := 0; i < 30; i++ {
		cls := newClass(t, app, teacher, "班级")
		if !ok.MatchString(cls.JoinCode) {
			t.Fatalf("join code %q has an ambiguous or invalid character", cls.JoinCode)
		}
	}
}

func TestProjectorAndQR(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	teacher, _ := app.As(store.RoleInstructor)
	cls := newClass(t, app, teacher, "物流1班")
	base := "/classes/" + itoa(cls.ID)
	r := teacher.Get(base + "/projector")
	if r.Status != 200 || !r.Has(cls.JoinCode, app.URL+"/j/"+cls.JoinCode, `class="qr"`) {
		t.Fatalf("projector: %d %s", r.Status, r.Body)
	}
	qr := teacher.Get(base + "/qr.png")
	if qr.Status != 200 || qr.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(qr.Body, "\x89PNG") {
		t.Fatalf("qr: %d %s", qr.Status, qr.Header.Get("Content-Type"))
	}
	// The QR link lands on the join form with the code filled in.
	student := app.Client()
	r = student.Follow(student.Get("/j/" + strings.ToLower(cls.JoinCode)))
	if !r.Has(`value="` + cls.JoinCode + `"`) {
		t.Fatalf("join form not prefilled: %s", r.Body)
	}
}

func TestJoin(t *testing.T) {
	// Every case below reuses a few 学号; the per-login attempt limit is tested elsewhere.
	app := apptest.Start(t, server.Config{LoginNameBurst: 100})
	teacher, _ := app.As(store.RoleInstructor)
	cls := newClass(t, app, teacher, "物流1班")
	other := newClass(t, app, teacher, "物流2班")
	app.Store.ImportRoster(ctx, cls.ID, []store.RosterEntry{{StudentNo: "2023001", Name: "张三"}, {StudentNo: "2023002", Name: "李四"}}, time.Now())
	join := func(c *apptest.Client, code, no, name, pw string) *apptest.Response {
		return c.Post("/join", url.Values{"code": {code}, "student_no": {no}, "name": {name}, "password": {pw}})
	}
	cases := []struct {
		name           string
		code, no, who  string
		pw             string
		status         int
		want           string
		signedInAsSelf bool
	}{
		{"unknown code", "ZZZZZZ", "2023001", "张三", "secret1", 404, "不存在", false},
		{"empty code", "", "2023001", "张三", "secret1", 400, "请输入 6 位加入码", false},
		{"missing 学号", cls.JoinCode, "", "张三", "secret1", 400, "缺少学号", false},
		{"missing name", cls.JoinCode, "2023001", "", "secret1", 400, "姓名为空", false},
		{"password too short", cls.JoinCode, "2023001", "张三", "123", 400, "密码太短", false},
		{"name does not match the roster", cls.JoinCode, "2023001", "张四", "secret1", 409, "姓名与你填写的不一致", false},
		{"rostered student, typed in lower case with spaces", strings.ToLower(cls.JoinCode[:3] + " " + cls.JoinCode[3:]), "2023001", "张三", "secret1", 303, "", true},
		{"second claim of the same 学号", cls.JoinCode, "2023001", "张三", "another1", 409, "已经有账号，但密码不对", false},
		{"student not on the roster", cls.JoinCode, "2023099", "王五", "secret9", 303, "", true},
		{"full-width 学号", cls.JoinCode, "２０２３００２", "李四", "secret2", 303, "", true},
		{"existing account joins a second class", other.JoinCode, "2023001", "张三", "secret1", 303, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := app.Client()
			r := join(c, tc.code, tc.no, tc.who, tc.pw)
			if r.Status != tc.status || !r.Has(tc.want) {
				t.Fatalf("status %d, want %d with %q; body %s", r.Status, tc.status, tc.want, r.Body)
			}
			if tc.signedInAsSelf {
				home := c.Follow(r)
				if !home.Has("我的学习", "物流") {
					t.Fatalf("not signed in after joining: %s", home.Body)
				}
			}
		})
	}
	got, _ := app.Store.ClassWithCounts(ctx, cls.ID)
	if got.Members != 3 || got.Joined != 3 {
		t.Fatalf("class members/joined = %d/%d, want 3/3", got.Members, got.Joined)
	}
	// A 学号 claimed in this class by someone else's account cannot be taken over, even by
	// a fresh account: the store refuses the second claim.
	u, _ := app.Store.UserByLogin(ctx, "2023001")
	classes, _ := app.Store.ClassesOfStudent(ctx, u.ID)
	if len(classes) != 2 {
		t.Fatalf("张三 is in %d classes, want 2", len(classes))
	}
	// Later the student logs in with 学号 + password.
	c := app.Client()
	c.Login("2023001", "secret1")
	if r := c.Get("/home"); !r.Has("物流1班", "物流2班") {
		t.Fatalf("home lacks the classes: %s", r.Body)
	}
	// A signed-in student joins by code alone.
	third := newClass(t, app, teacher, "物流3班")
	if r := c.Post("/join", url.Values{"code": {third.JoinCode}}); r.Status != 303 {
		t.Fatalf("signed-in join: %d %s", r.Status, r.Body)
	}
	// Staff cannot join.
	if r := teacher.Post("/join", url.Values{"code": {third.JoinCode}}); r.Status != 403 {
		t.Fatalf("teacher joining: %d", r.Status)
	}
}

func xlsxRoster(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRosterImport(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	teacher, _ := app.As(store.RoleInstructor)
	cls := newClass(t, app, teacher, "物流1班")
	base := "/classes/" + itoa(cls.ID) + "/roster"
	cases := []struct {
		name    string
		file    string
		content []byte
		status  int
		want    []string
	}{
		{"GBK CSV from Excel", "名单.csv", gbk(t, "学号,姓名\r\n2023001,张三\r\n2023002,李四\r\n"), 200, []string{"确认导入 2 名学生", "张三", "李四"}},
		{"XLSX with a title row and numeric 学号", "名单.xlsx", xlsxRoster(t, [][]any{{"2025级物流1班"}, {"序号", "姓名", "学号"}, {1, "王五", 2023003}}), 200, []string{"确认导入 1 名学生", "2023003"}},
		{"missing 学号 column", "a.csv", []byte("姓名,班级\n张三,1班\n"), 400, []string{"找不到“学号”列"}},
		{"duplicate 学号", "a.csv", []byte("学号,姓名\n1,甲\n1,乙\n"), 400, []string{"学号与第 2 行重复", "1 行有问题"}},
		{"empty name", "a.csv", []byte("学号,姓名\n1,\n2,乙\n"), 400, []string{"姓名为空"}},
		{"empty file", "a.csv", nil, 400, []string{"没有学生数据"}},
		{"not CSV or XLSX", "a.xls", []byte("whatever"), 400, []string{"只支持 CSV 或 XLSX"}},
		{"xlsx that is not one", "a.xlsx", []byte("学号,姓名\n1,甲\n"), 400, []string{"无法读取 XLSX"}},
		{"over 5 MB", "big.csv", bytes.Repeat([]byte("1234567,张三\n"), 400_000), 413, []string{"5 MB"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := teacher.Upload(base+"/preview", tc.file, tc.content, nil)
			if r.Status != tc.status || !r.Has(tc.want...) {
				t.Fatalf("status %d, want %d with %q; body %s", r.Status, tc.status, tc.want, r.Body)
			}
			if m, _ := app.Store.Members(ctx, cls.ID); len(m) != 0 {
				t.Fatalf("a preview wrote %d members", len(m))
			}
		})
	}
	// Confirming a clean preview writes it; the hidden rows are validated again.
	r := teacher.Upload(base+"/preview", "名单.csv", []byte("学号,姓名\n2023001,张三\n2023002,李四\n"), nil)
	rows := regexp.MustCompile(`name="rows" value="([^"]*)"`).FindStringSubmatch(r.Body)
	if rows == nil {
		t.Fatalf("no confirm form: %s", r.Body)
	}
	tampered := `[{"Line":1,"StudentNo":"9","Name":""}]`
	if r := teacher.Post(base+"/confirm", url.Values{"rows": {tampered}}); r.Status != 400 || !r.Has("姓名为空") {
		t.Fatalf("tampered confirm: %d", r.Status)
	}
	confirmed := teacher.Post(base+"/confirm", url.Values{"rows": {htmlUnescape(rows[1])}})
	if confirmed.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", confirmed.Status, confirmed.Body)
	}
	if page := teacher.Follow(confirmed); !page.Has("新增 2 人", "张三", "李四", "未加入") {
		t.Fatalf("class page after import: %s", page.Body)
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}

func TestMembersResetAndRemove(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	teacher, _ := app.As(store.RoleInstructor)
	cls := newClass(t, app, teacher, "物流1班")
	stu := app.Client()
	stu.Post("/join", url.Values{"code": {cls.JoinCode}, "student_no": {"2023001"}, "name": {"张三"}, "password": {"secret1"}})
	members, _ := app.Store.Members(ctx, cls.ID)
	base := "/classes/" + itoa(cls.ID) + "/members/" + itoa(members[0].ID)
	page := teacher.Follow(teacher.Post(base+"/reset", nil))
	m := regexp.MustCompile(`的新密码：([a-z0-9]{8})`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no new password: %s", page.Body)
	}
	if r := stu.Get("/home"); r.Status != http.StatusSeeOther {
		t.Fatalf("student still signed in with the old password: %d", r.Status)
	}
	app.Client().Login("2023001", m[1])
	if r := teacher.Post(base+"/remove", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.Status)
	}
	if got, _ := app.Store.Members(ctx, cls.ID); len(got) != 0 {
		t.Fatalf("member not removed")
	}
	if r := teacher.Post(base+"/remove", nil); r.Status != 404 {
		t.Fatalf("removing again: %d", r.Status)
	}
}

func TestGroups(t *testing.T) {
	app := apptest.Start(t, server.Config{})
	teacher, _ := app.As(store.RoleInstructor)
	cls := newClass(t, app, teacher, "物流1班")
	var entries []store.RosterEntry
	for i := 0; i < 23; i++ {
		entries = append(entries, store.RosterEntry{StudentNo: "20230" + itoa(int64(10+i)), Name: "学生" + itoa(int64(i))})
	}
	app.Store.ImportRoster(ctx, cls.ID, entries, time.Now())
	base := "/classes/" + itoa(cls.ID) + "/groups"
	for _, size := range []string{"4", "5", "6"} {
		if r := teacher.Post(base+"/shuffle", url.Values{"size": {size}}); r.Status != http.StatusSeeOther {
			t.Fatalf("shuffle %s: %d %s", size, r.Status, r.Body)
		}
		groups, _ := app.Store.Groups(ctx, cls.ID)
		total := 0
		for _, g := range groups {
			if len(g.Members) < 4 || len(g.Members) > 6 || g.LeaderID == 0 {
				t.Fatalf("size %s: group %s has %d members, leader %d", size, g.Name, len(g.Members), g.LeaderID)
			}
			total += len(g.Members)
		}
		if total != 23 {
			t.Fatalf("size %s: %d students grouped, want 23", size, total)
		}
	}
	if r := teacher.Post(base+"/shuffle", url.Values{"size": {"9"}}); r.Status != 400 {
		t.Fatalf("size 9: %d", r.Status)
	}
	members, _ := app.Store.Members(ctx, cls.ID)
	before, _ := app.Store.Groups(ctx, cls.ID)
	// By hand: three students in group 1 without a leader is refused, nothing changes.
	form := url.Values{}
	for _, m := range members[:3] {
		form.Set("group_"+itoa(m.ID), "1")
	}
	r := teacher.Post(base, form)
	if r.Status != 400 || !r.Has("第1组有 3 人", "还没有组长") {
		t.Fatalf("bad manual groups: %d %s", r.Status, r.Body)
	}
	if after, _ := app.Store.Groups(ctx, cls.ID); len(after) != len(before) {
		t.Fatalf("a refused save changed the groups")
	}
	// Two valid groups of 4 with one leader each; the numbers 3 and 7 are renumbered 1 and 2.
	form = url.Values{}
	for i, m := range members[:8] {
		n := "3"
		if i >= 4 {
			n = "7"
		}
		form.Set("group_"+itoa(m.ID), n)
	}
	form.Add("leader", itoa(members[0].ID))
	form.Add("leader", itoa(members[4].ID))
	if r := teacher.Post(base, form); r.Status != http.StatusSeeOther {
		t.Fatalf("manual groups: %d %s", r.Status, r.Body)
	}
	groups, _ := app.Store.Groups(ctx, cls.ID)
	if len(groups) != 2 || groups[0].Name != "第1组" || groups[1].Name != "第2组" || groups[1].LeaderID != members[4].ID {
		t.Fatalf("groups after manual save: %+v", groups)
	}
	// The trainer reads the groups but has no forms.
	trainer, _ := app.As(store.RoleTrainer)
	if r := trainer.Get(base); r.Status != 200 || r.Has("保存分组") || !r.Has("第2组") {
		t.Fatalf("trainer groups page: %d", r.Status)
	}
}

// TestDeleteClass: the instructor deletes a class that has a roster, groups, group work, a
// game and a student who is also in another class; everything of the class goes in one
// transaction, only the accounts that were in no other class go with it, and the other class
// is untouched.
func TestDeleteClass(t *testing.T) {
	w := newWorkClass(t, 4)
	base := "/classes/" + itoa(w.cls.ID)
	w.oneGroup(t)
	card := w.assign(t, "card", "card-4-11", url.Values{"per_group": {"1"}})
	if st, _ := autosave(t, w.students[0], card, 0, url.Values{"f.questions.item": {"您对准时率满意吗？"}}); st != 200 {
		t.Fatalf("save: %d", st)
	}
	solo := w.assign(t, "card", "card-ups-think", nil)
	r := w.students[1].Post(workPath(solo)+"/submit", url.Values{"version": {"0"}, "f.practice": {"做法"}, "f.insight": {"借鉴"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	game := startGame(t, w)
	w.students[0].Get(game + "/play")
	// Student 3 is also in another class of the same instructor.
	other := newClass(t, w.app, w.teacher, "物流2班")
	if r := w.students[2].Post("/join", url.Values{"code": {other.JoinCode}}); r.Status != http.StatusSeeOther {
		t.Fatalf("join other: %d", r.Status)
	}

	if p := w.teacher.Get(base); !p.Has(`action="`+base+`/delete"`, "输入班级名称") {
		t.Fatal("class page lacks the delete form")
	}
	// Another instructor: the same 404 as for a class that does not exist.
	stranger, _ := w.app.As(store.RoleInstructor)
	if r := stranger.Post(base+"/delete", url.Values{"confirm": {"物流1班"}}); r.Status != http.StatusForbidden {
		t.Fatalf("stranger deleting: %d", r.Status)
	}
	// A wrong confirmation deletes nothing and says why.
	r = w.teacher.Post(base+"/delete", url.Values{"confirm": {"物流2班"}, "remove_students": {"1"}})
	if r.Status != http.StatusBadRequest || !r.Has("没有删除", "物流1班") {
		t.Fatalf("wrong confirmation: %d", r.Status)
	}
	if _, err := w.app.Store.ClassByID(ctx, w.cls.ID); err != nil {
		t.Fatalf("class gone after a wrong confirmation: %v", err)
	}

	r = w.teacher.Post(base+"/delete", url.Values{"confirm": {" 物流1班 "}, "remove_students": {"1"}})
	if r.Status != http.StatusSeeOther || r.Location != "/classes" {
		t.Fatalf("delete: %d %s", r.Status, r.Location)
	}
	if p := w.teacher.Follow(r); !p.Has("已删除班级“物流1班”", "名单 4 人", "删除了 3 个只在本班的学生账号") || p.Has(base+`"`) {
		t.Fatalf("classes page after deleting: %s", p.Body)
	}
	if _, err := w.app.Store.ClassByID(ctx, w.cls.ID); err != store.ErrNotFound {
		t.Fatalf("class still there: %v", err)
	}
	if r := w.teacher.Get(base); r.Status != http.StatusNotFound {
		t.Fatalf("class page after deleting: %d", r.Status)
	}
	if acts, _ := w.app.Store.Activities(ctx, w.cls.ID); len(acts) != 0 {
		t.Fatalf("%d activities left", len(acts))
	}
	db, err := sql.Open("sqlite3", "file:"+w.app.Store.Path()+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	for _, q := range []string{
		"SELECT COUNT(*) FROM submissions WHERE activity_id IN (?, ?)",
		"SELECT COUNT(*) FROM games WHERE class_id = ? OR class_id = ?",
		"SELECT COUNT(*) FROM class_groups WHERE class_id = ? OR class_id = ?",
		"SELECT COUNT(*) FROM class_members WHERE class_id = ? OR class_id = ?",
	} {
		a, b := card.ID, solo.ID
		if !strings.Contains(q, "activity_id") {
			a, b = w.cls.ID, w.cls.ID
		}
		if err := db.QueryRow(q, a, b).Scan(&left); err != nil || left != 0 {
			t.Fatalf("%s: %d rows left (%v)", q, left, err)
		}
	}
	// The accounts only in this class are gone (their sessions with them); the one in the
	// other class stays, still a member there.
	for i, u := range w.users {
		_, err := w.app.Store.UserByID(ctx, u.ID)
		if i == 2 {
			if err != nil {
				t.Fatalf("account of the student in another class removed: %v", err)
			}
			continue
		}
		if err != store.ErrNotFound {
			t.Fatalf("account %s still there: %v", u.Login, err)
		}
		if r := w.students[i].Get("/home"); r.Status != http.StatusSeeOther {
			t.Fatalf("deleted student still signed in: %d", r.Status)
		}
	}
	if r := w.students[2].Get("/home"); !r.Has("<h3>物流2班</h3>") || r.Has("<h3>物流1班</h3>") {
		t.Fatalf("remaining student's home: %s", r.Body)
	}
	if got, _ := w.app.Store.ClassWithCounts(ctx, other.ID); got.Joined != 1 {
		t.Fatalf("other class lost its member: %+v", got)
	}
	// Without remove_students the accounts stay.
	third := newClass(t, w.app, w.teacher, "物流3班")
	c := w.app.Client()
	c.Post("/join", url.Values{"code": {third.JoinCode}, "student_no": {"2099001"}, "name": {"留下"}, "password": {"secret1"}})
	w.teacher.Post("/classes/"+itoa(third.ID)+"/delete", url.Values{"confirm": {"物流3班"}})
	if _, err := w.app.Store.ClassByID(ctx, third.ID); err != store.ErrNotFound {
		t.Fatalf("third class: %v", err)
	}
	if _, err := w.app.Store.UserByLogin(ctx, "2099001"); err != nil {
		t.Fatalf("account removed without being asked: %v", err)
	}
}

// TestQRDuringGame: the projector shows the class's QR during a game. A student scanning it
// who is already in the class lands on the game; one joining for the first time lands on
// it after joining; with no game running both land at home; a student of another class is
// offered the join form; and an ended game is not where anyone is sent.
func TestQRDuringGame(t *testing.T) {
	w := newWorkClass(t, 2)
	link := "/j/" + strings.ToLower(w.cls.JoinCode)
	// scan opens the QR's link and the join page it leads to, and returns the latter.
	scan := func(c *apptest.Client) *apptest.Response {
		r := c.Get(link)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/join?code="+w.cls.JoinCode) {
			t.Fatalf("QR link: %d %q", r.Status, r.Location)
		}
		return c.Get(r.Location)
	}
	member := w.students[0]
	if r := scan(member); r.Status != http.StatusSeeOther || r.Location != "/home" {
		t.Fatalf("member, no game: %d %q", r.Status, r.Location)
	}
	base := startGame(t, w)
	r := scan(member)
	if r.Status != http.StatusSeeOther || r.Location != base+"/play" {
		t.Fatalf("member during a game: %d %q, want %s/play", r.Status, r.Location, base)
	}
	if page := member.Follow(r); page.Status != 200 || !page.Has("你已加入游戏") {
		t.Fatalf("game page: %d", page.Status)
	}

	// First time: the join form, then straight into the game, signed in.
	fresh := w.app.Client()
	if r := scan(fresh); r.Status != 200 || !r.Has("加入班级", `name="password"`) {
		t.Fatalf("join form: %d", r.Status)
	}
	r = fresh.Post("/join", url.Values{"code": {w.cls.JoinCode}, "student_no": {"2029001"}, "name": {"新同学"}, "password": {"secret1"}})
	if r.Status != http.StatusSeeOther || r.Location != base+"/play" {
		t.Fatalf("first join during a game: %d %q", r.Status, r.Location)
	}
	if page := fresh.Follow(r); page.Status != 200 || !page.Has("你已加入游戏", "已加入") {
		t.Fatalf("game page after joining: %d %s", page.Status, page.Body)
	}

	// A student of another class scanning this QR is asked to join, not sent anywhere.
	other := newClass(t, w.app, w.teacher, "物流2班")
	stranger := w.app.Client()
	if r := stranger.Post("/join", url.Values{"code": {other.JoinCode}, "student_no": {"2029002"}, "name": {"外班同学"}, "password": {"secret1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("join the other class: %d", r.Status)
	}
	if r := scan(stranger); r.Status != 200 || !r.Has("将以") {
		t.Fatalf("student of another class: %d %s", r.Status, r.Body)
	}

	// After the game ends, the QR leads home again.
	command(t, w.teacher, base, url.Values{"kind": {"end"}})
	if r := scan(member); r.Status != http.StatusSeeOther || r.Location != "/home" {
		t.Fatalf("member after the game: %d %q", r.Status, r.Location)
	}
}
