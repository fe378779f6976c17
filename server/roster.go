package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"crmlab/roster"
	"crmlab/server/store"
)

const rosterMaxBytes = roster.MaxFileSize

// maxRosterRows bounds one import: a school's largest class is a few hundred students, and
// a preview page of millions of rows would be unusable.
const maxRosterRows = 2000

type rosterPage struct {
	Class *store.Class
	Error string
	Sheet *roster.Sheet
	// RowsJSON carries a clean preview to the confirm form; the server validates it again
	// on confirm, as it would any form.
	RowsJSON string
	FileName string
}

func (s *Server) showRosterImport(c echo.Context) error {
	return s.render(c, http.StatusOK, "roster", "导入名单", rosterPage{Class: classOf(c)})
}

// previewRoster parses an uploaded roster and shows every row with its problems. Nothing is
// written here.
func (s *Server) previewRoster(c echo.Context) error {
	page := rosterPage{Class: classOf(c)}
	fh, err := c.FormFile("file")
	if err != nil {
		page.Error = "请选择要上传的名单文件（CSV 或 XLSX，包含“学号”和“姓名”两列）。"
		return s.render(c, http.StatusBadRequest, "roster", "导入名单", page)
	}
	page.FileName = fh.Filename
	f, err := fh.Open()
	if err != nil {
		return storeErr(fmt.Errorf("open upload: %w", err))
	}
	defer f.Close()
	sheet, err := roster.Parse(fh.Filename, f, fh.Size)
	var re *roster.Error
	if errors.As(err, &re) {
		page.Error = re.Message
		return s.render(c, http.StatusBadRequest, "roster", "导入名单", page)
	}
	if err != nil {
		return storeErr(err)
	}
	if len(sheet.Rows) > maxRosterRows {
		page.Error = fmt.Sprintf("文件里有 %d 行学生，超过了一个班级名单的上限（%d 行）。请检查是否选错了文件。", len(sheet.Rows), maxRosterRows)
		return s.render(c, http.StatusBadRequest, "roster", "导入名单", page)
	}
	page.Sheet = sheet
	status := http.StatusOK
	if sheet.Clean() {
		b, err := json.Marshal(sheet.Rows)
		if err != nil {
			return storeErr(err)
		}
		page.RowsJSON = string(b)
	} else {
		status = http.StatusBadRequest
	}
	return s.render(c, status, "roster", "导入名单", page)
}

// confirmRoster writes a previewed roster after validating it again.
func (s *Server) confirmRoster(c echo.Context) error {
	cls := classOf(c)
	var rows []roster.Row
	if err := json.Unmarshal([]byte(c.FormValue("rows")), &rows); err != nil || len(rows) == 0 {
		return s.render(c, http.StatusBadRequest, "roster", "导入名单", rosterPage{Class: cls, Error: "预览数据丢失或已损坏，请重新上传名单文件。"})
	}
	sheet := roster.Validate(rows)
	if !sheet.Clean() {
		return s.render(c, http.StatusBadRequest, "roster", "导入名单", rosterPage{Class: cls, Sheet: sheet})
	}
	entries := make([]store.RosterEntry, len(sheet.Rows))
	for i, r := range sheet.Rows {
		entries[i] = store.RosterEntry{StudentNo: r.StudentNo, Name: r.Name}
	}
	res, err := s.store.ImportRoster(c.Request().Context(), cls.ID, entries, s.now())
	if err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", fmt.Sprintf("名单已导入：新增 %d 人，更新姓名 %d 人，已在名单中 %d 人。", res.Added, res.Updated, res.Unchanged))
	return c.Redirect(http.StatusSeeOther, classURL(cls.ID))
}

// memberOf loads the :member of a class route; a member of another class is a 404.
func (s *Server) memberOf(c echo.Context) (store.Member, error) {
	id, err := idParam(c, "member")
	if err != nil {
		return store.Member{}, err
	}
	m, err := s.store.MemberByID(c.Request().Context(), classOf(c).ID, id)
	if err != nil {
		return m, storeErr(err)
	}
	return m, nil
}

// resetStudentPassword gives a student who forgot their password a one-time one, shown to
// the instructor once.
func (s *Server) resetStudentPassword(c echo.Context) error {
	m, err := s.memberOf(c)
	if err != nil {
		return err
	}
	if !m.Joined() {
		return invalid(m.Name + " 还没有加入班级，没有密码可以重置：请让学生用加入码加入。")
	}
	pw, err := s.resetPassword(c, m.UserID)
	if err != nil {
		return err
	}
	s.addFlash(c, "ok", m.Name+"（"+m.StudentNo+"）的新密码："+pw+"。请告诉学生，用学号和这个密码登录后再修改。")
	return c.Redirect(http.StatusSeeOther, classURL(classOf(c).ID))
}

func (s *Server) removeStudent(c echo.Context) error {
	m, err := s.memberOf(c)
	if err != nil {
		return err
	}
	if err := s.store.RemoveMember(c.Request().Context(), classOf(c).ID, m.ID); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "已将 "+m.Name+"（"+m.StudentNo+"）移出本班。")
	return c.Redirect(http.StatusSeeOther, classURL(classOf(c).ID))
}
