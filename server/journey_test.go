package server_test

import (
	"context"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"crmlab/server"
	"crmlab/server/apptest"
)

// TestJourneyPhone clicks through the first lesson in a real browser: the admin sets up the
// site and opens an instructor account, the instructor creates a class, imports the roster
// from Excel and projects the join code, and a student joins from a phone and signs in
// again. Set CRMLAB_SCREENSHOTS=/some/folder to keep a PNG of each page.
func TestJourneyPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser journey skipped in -short mode")
	}
	start := time.Now()
	app := apptest.Start(t, server.Config{})
	ctx := apptest.Browser(t)
	apptest.Phone(t, ctx)

	// 1. The admin opens the one-time setup link and creates the admin account.
	link, err := app.Server.EnsureSetupLink(context.Background())
	if err != nil || link == "" {
		t.Fatalf("setup link: %q, %v", link, err)
	}
	apptest.Open(t, ctx, link)
	checkPhonePage(t, ctx, "setup")
	apptest.Fill(t, ctx, "#login", "admin")
	apptest.Fill(t, ctx, "#name", "系统管理员")
	apptest.Fill(t, ctx, "#password", "admin-pass-2025")
	apptest.Fill(t, ctx, "#password2", "admin-pass-2025")
	apptest.Click(t, ctx, "main form button[type=submit]")
	wantPath(t, ctx, "/admin/users")

	// 2. The admin opens an instructor account and reads the initial password off the flash.
	apptest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#role"), "instructor"))
	apptest.Fill(t, ctx, "#login", "wang")
	apptest.Fill(t, ctx, "#name", "王老师")
	apptest.Click(t, ctx, "main form.grid-form button[type=submit]")
	wantPath(t, ctx, "/admin/users")
	flash := apptest.Text(t, ctx, ".flash-ok")
	m := regexp.MustCompile(`初始密码：(\S{8})。`).FindStringSubmatch(flash)
	if m == nil {
		t.Fatalf("flash %q has no 初始密码：XXXXXXXX。", flash)
	}
	instructorPassword := m[1]
	if !strings.Contains(apptest.Text(t, ctx, "main table"), "王老师") {
		t.Error("the staff table does not list 王老师")
	}
	checkPhonePage(t, ctx, "admin-users")

	// 3. Log out; the instructor logs in with the initial password.
	apptest.Click(t, ctx, `form[action="/logout"] button`)
	wantPath(t, ctx, "/login")
	checkPhonePage(t, ctx, "login")
	apptest.Fill(t, ctx, "#login", "wang")
	apptest.Fill(t, ctx, "#password", instructorPassword)
	apptest.Click(t, ctx, "main form button[type=submit]")
	wantPath(t, ctx, "/classes")

	// 4. The instructor creates a class and lands on its page.
	const className = "2024级物流管理1班"
	apptest.Fill(t, ctx, "#name", className)
	apptest.Fill(t, ctx, "#term", "2025-2026 学年第一学期")
	apptest.Click(t, ctx, "main form.grid-form button[type=submit]")
	classPath := apptest.Path(t, ctx)
	if !regexp.MustCompile(`^/classes/\d+$`).MatchString(classPath) {
		t.Fatalf("after creating the class the page is %s, want /classes/N", classPath)
	}
	if h := apptest.Text(t, ctx, "main h1"); h != className {
		t.Errorf("class page heading %q, want %q", h, className)
	}
	code := apptest.Text(t, ctx, ".join-box .code")
	if !regexp.MustCompile(`^[0-9A-Z]{6}$`).MatchString(code) {
		t.Fatalf("join code %q is not 6 letters or digits", code)
	}
	checkPhonePage(t, ctx, "class-empty")

	// 5. The roster comes from Excel; one 学号 is a number cell, as Excel makes it.
	students := [][2]string{{"20240101", "张伟"}, {"20240102", "李娜"}, {"20240103", "欧阳晓燕"}}
	xlsx := rosterXLSX(t, students)
	apptest.Open(t, ctx, app.URL+classPath+"/roster")
	checkPhonePage(t, ctx, "roster")
	apptest.Do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{xlsx}))
	apptest.Click(t, ctx, `form[action$="/roster/preview"] button[type=submit]`)
	preview := apptest.Text(t, ctx, "main table")
	for _, s := range students {
		if !strings.Contains(preview, s[0]) || !strings.Contains(preview, s[1]) {
			t.Errorf("the preview does not list %s %s:\n%s", s[0], s[1], preview)
		}
	}
	confirm := `form[action$="/roster/confirm"] button[type=submit]`
	if got := apptest.Text(t, ctx, confirm); got != "确认导入 3 名学生" {
		t.Errorf("confirm button says %q, want 确认导入 3 名学生", got)
	}
	checkPhonePage(t, ctx, "roster-preview")
	apptest.Click(t, ctx, confirm)
	wantPath(t, ctx, classPath)
	roster := apptest.Text(t, ctx, "table.roster")
	for _, s := range students {
		if !strings.Contains(roster, s[0]) || !strings.Contains(roster, s[1]) {
			t.Errorf("the class roster does not list %s %s:\n%s", s[0], s[1], roster)
		}
	}
	if n := strings.Count(roster, "未加入"); n != 3 {
		t.Errorf("the class roster shows 未加入 %d times, want 3:\n%s", n, roster)
	}
	checkPhonePage(t, ctx, "class")

	// 6. The projector page, at a classroom projector's 1280×720.
	apptest.Viewport(t, ctx, 1280, 720)
	apptest.Open(t, ctx, app.URL+classPath+"/projector")
	if w := apptest.Eval[int](t, ctx, `document.querySelector('img.qr').naturalWidth`); w <= 0 {
		t.Errorf("the QR image did not load (naturalWidth %d)", w)
	}
	if got := apptest.Text(t, ctx, ".code.big"); got != code {
		t.Errorf("projector shows code %q, want %q", got, code)
	}
	if px := apptest.Eval[float64](t, ctx, `parseFloat(getComputedStyle(document.querySelector('.projector-text')).fontSize)`); px < 32 {
		t.Errorf("projector text is %v px, want at least 32 px", px)
	}
	if fits := apptest.Eval[bool](t, ctx, `document.documentElement.scrollWidth <= innerWidth && document.documentElement.scrollHeight <= innerHeight`); !fits {
		t.Error("the projector page does not fit 1280×720 without scrolling")
	}
	apptest.Screenshot(t, ctx, "projector")
	apptest.Open(t, ctx, app.URL+classPath)
	apptest.Screenshot(t, ctx, "class-desktop")

	// 7. A student on their own phone (no shared cookies) follows the QR link and joins.
	phone := apptest.NewTab(t, ctx)
	apptest.Phone(t, phone)
	apptest.Open(t, phone, app.URL+"/j/"+code)
	if got := apptest.Value(t, phone, "#code"); got != code {
		t.Errorf("join form code %q, want %q prefilled", got, code)
	}
	student := students[1] // the one whose 学号 was a number cell
	const studentPassword = "xuesheng88"
	apptest.Fill(t, phone, "#student_no", student[0])
	apptest.Fill(t, phone, "#name", student[1])
	apptest.Fill(t, phone, "#password", studentPassword)
	checkPhonePage(t, phone, "join")
	apptest.Click(t, phone, "main form button[type=submit]")
	wantPath(t, phone, "/home")
	if !strings.Contains(apptest.Text(t, phone, "main"), className) {
		t.Errorf("student home does not list %s", className)
	}
	checkPhonePage(t, phone, "student-home")

	// 8. The student finds the password page, with 退出所有设备 for a lost phone, then signs
	// out of this phone only and back in with 学号 and password.
	apptest.Click(t, phone, `.top nav a[href="/account/password"]`)
	wantPath(t, phone, "/account/password")
	if !strings.Contains(apptest.Text(t, phone, "main"), "退出所有设备") {
		t.Error("the password page has no 退出所有设备")
	}
	checkPhonePage(t, phone, "password")
	apptest.Click(t, phone, `form[action="/logout"] button`)
	wantPath(t, phone, "/login")
	apptest.Fill(t, phone, "#login", student[0])
	apptest.Fill(t, phone, "#password", studentPassword)
	apptest.Click(t, phone, "main form button[type=submit]")
	wantPath(t, phone, "/home")
	if !strings.Contains(apptest.Text(t, phone, "main"), className) {
		t.Errorf("after signing in again, student home does not list %s", className)
	}

	// 9. The student reads: the course index, a lesson with two flow charts, a search.
	apptest.Click(t, phone, `.top nav a[href="/learn"]`)
	wantPath(t, phone, "/learn")
	checkPhonePage(t, phone, "course-index")
	apptest.Click(t, phone, `a[href="/learn/service-centre-flows"]`)
	wantPath(t, phone, "/learn/service-centre-flows")
	if n := apptest.Eval[int](t, phone, `document.querySelectorAll('figure.diagram svg').length`); n < 2 {
		t.Errorf("lesson shows %d drawn diagrams, want the order processing and outbound flows", n)
	}
	checkDiagramText(t, phone, "service-centre-flows")
	if apptest.Eval[bool](t, phone, `document.body.innerText.includes('教师备注')`) {
		t.Error("a student sees instructor notes")
	}
	checkPhonePage(t, phone, "lesson")
	// The CRM architecture is six boxes wide: it scrolls inside its frame, the page does not.
	apptest.Open(t, phone, app.URL+"/learn/crm-framework")
	checkDiagramText(t, phone, "crm-framework")
	checkPhonePage(t, phone, "lesson-wide-diagram")
	apptest.Open(t, phone, app.URL+"/search?q="+url.QueryEscape("关键时刻"))
	if n := apptest.Eval[int](t, phone, `document.querySelectorAll('.results mark').length`); n == 0 {
		t.Error("search for 关键时刻 shows no highlighted result")
	}
	checkPhonePage(t, phone, "search")
	t.Logf("journey took %v", time.Since(start).Round(time.Millisecond))
}

// checkDiagramText fails when a diagram's 15-unit text is drawn smaller than 9 CSS px.
func checkDiagramText(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	minFont := apptest.Eval[float64](t, ctx, `Math.min(...[...document.querySelectorAll('figure.diagram svg')].map(s =>
		15 * s.getBoundingClientRect().width / s.viewBox.baseVal.width))`)
	if minFont < 9 {
		t.Errorf("%s: diagram text is drawn at %.1f px on a 360 px phone", page, minFont)
	}
}

// wantPath fails the test unless the tab shows the path.
func wantPath(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	if got := apptest.Path(t, ctx); got != want {
		msg := ""
		if s := apptest.Eval[string](t, ctx, `(document.querySelector('.error, .flash-error') || {}).textContent || ''`); s != "" {
			msg = " (page says: " + strings.TrimSpace(s) + ")"
		}
		t.Fatalf("page is %s, want %s%s", got, want, msg)
	}
}

// checkPhonePage takes a screenshot and checks what a 360 px phone needs: no sideways
// scrolling, and buttons, fields and menu links at least 44 px tall.
func checkPhonePage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	apptest.Screenshot(t, ctx, name)
	if ok := apptest.Eval[bool](t, ctx, `document.documentElement.scrollWidth <= 360`); !ok {
		w := apptest.Eval[int](t, ctx, `document.documentElement.scrollWidth`)
		t.Errorf("%s: the page is %d px wide on a 360 px phone (scrolls sideways)", name, w)
	}
	small := apptest.Eval[[]string](t, ctx, smallTargetsJS)
	if len(small) > 0 {
		t.Errorf("%s: tap targets under 44 px tall: %s", name, strings.Join(small, "; "))
	}
}

// smallTargetsJS lists the visible controls shorter than 44 CSS pixels. A checkbox counts
// by its label, which is the target a finger hits.
const smallTargetsJS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('button, .button, select, input:not([type=hidden]), .top nav a')) {
    const target = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label') || el;
    const r = target.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.height < 43.5) out.push(el.tagName.toLowerCase() + ' "' + (el.textContent || el.name || '').trim().slice(0, 20) + '" ' + Math.round(r.height) + 'px');
  }
  return out;
})()`

// rosterXLSX writes an Excel roster with the header 学号, 姓名; the second 学号 is a number.
func rosterXLSX(t *testing.T, students [][2]string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	if err := f.SetSheetRow(sheet, "A1", &[]any{"学号", "姓名"}); err != nil {
		t.Fatal(err)
	}
	for i, s := range students {
		var no any = s[0]
		if i == 1 {
			n, err := strconv.Atoi(s[0])
			if err != nil {
				t.Fatal(err)
			}
			no = n
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &[]any{no, s[1]}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "名单.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}
