package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/grading"
	"crmlab/server/store"
)

// gradebook builds a class's students × graded activities (cards, sheets and the
// simulation) with weighted totals. A cell is the instructor's grade when there is one,
// otherwise the auto-score of the latest version.
func (s *Server) gradebook(c echo.Context, cls *store.Class) ([]grading.Column, []grading.Row, error) {
	ctx := c.Request().Context()
	acts, err := s.store.Activities(ctx, cls.ID)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	weights, err := s.store.Weights(ctx, cls.ID)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	var cols []grading.Column
	perGroup := map[int64]bool{}
	sum := 0.0
	for _, a := range acts {
		if a.Kind != "card" && a.Kind != "sim" {
			continue // lessons are reading and sheets are self-assessment, not graded work
		}
		cols = append(cols, grading.Column{ID: a.ID, Title: a.Title, Weight: weights[a.ID]})
		perGroup[a.ID] = a.PerGroup
		sum += weights[a.ID]
	}
	if sum == 0 && len(cols) > 0 { // no weights set: every activity counts the same
		for i := range cols {
			cols[i].Weight = 100 / float64(len(cols))
		}
	}
	results, err := s.store.ClassResults(ctx, cls.ID)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	type key struct{ act, owner int64 }
	byUser, byGroup := map[key]store.ResultRow{}, map[key]store.ResultRow{}
	for _, r := range results {
		if r.Owner.GroupID != 0 {
			byGroup[key{r.ActivityID, r.Owner.GroupID}] = r
		} else {
			byUser[key{r.ActivityID, r.Owner.UserID}] = r
		}
	}
	adjustments, err := s.store.ClassAdjustments(ctx, cls.ID)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	members, err := s.store.Members(ctx, cls.ID)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	var rows []grading.Row
	for _, m := range members {
		row := grading.Row{StudentNo: m.StudentNo, Name: m.Name}
		for _, col := range cols {
			var r store.ResultRow
			var ok bool
			if perGroup[col.ID] {
				r, ok = byGroup[key{col.ID, m.GroupID}]
			} else {
				r, ok = byUser[key{col.ID, m.UserID}]
			}
			cell := grading.Cell{Missing: !ok || r.Versions == 0}
			if ok && r.Versions > 0 {
				cell.Late = r.Late
				switch {
				case r.Grade.Valid:
					// a group's grade, moved by this member's adjustment if any
					cell.Score, cell.Max, cell.Graded = r.Grade.Float64+adjustments[r.SubmissionID][m.UserID], r.GradeMax.Float64, true
				case r.Auto.Valid:
					cell.Score, cell.Max, cell.Graded = r.Auto.Float64, r.AutoMax.Float64, true
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		rows = append(rows, row)
	}
	return cols, grading.Totals(cols, rows), nil
}

type gradebookPage struct {
	Class  *store.Class
	Cols   []grading.Column
	Rows   []grading.Row
	Edit   bool
	Errors []string
}

func (s *Server) showGradebook(c echo.Context) error {
	return s.renderGradebook(c, http.StatusOK, nil)
}

func (s *Server) renderGradebook(c echo.Context, status int, errs []string) error {
	cls := classOf(c)
	cols, rows, err := s.gradebook(c, cls)
	if err != nil {
		return err
	}
	return s.render(c, status, "gradebook", cls.Name+" · 成绩册", gradebookPage{Class: cls, Cols: cols, Rows: rows,
		Edit: currentUser(c).Role == store.RoleInstructor, Errors: errs})
}

// saveWeights stores the gradebook's weights after checking they sum to 100.
func (s *Server) saveWeights(c echo.Context) error {
	cls := classOf(c)
	cols, _, err := s.gradebook(c, cls)
	if err != nil {
		return err
	}
	weights := map[int64]float64{}
	for i := range cols {
		w, err := strconv.ParseFloat(strings.TrimSpace(c.FormValue("weight."+itoa64(cols[i].ID))), 64)
		if err != nil {
			return s.renderGradebook(c, http.StatusBadRequest, []string{"“" + cols[i].Title + "”的权重请填数字。"})
		}
		cols[i].Weight, weights[cols[i].ID] = w, w
	}
	var ge *grading.Error
	if err := grading.CheckWeights(cols); errors.As(err, &ge) {
		return s.renderGradebook(c, http.StatusBadRequest, []string{ge.Message})
	}
	if err := s.store.SetWeights(c.Request().Context(), cls.ID, weights); err != nil {
		return storeErr(err)
	}
	s.addFlash(c, "ok", "权重已保存。")
	return c.Redirect(http.StatusSeeOther, "/classes/"+itoa64(cls.ID)+"/gradebook")
}

// exportGradebook writes the gradebook as CSV (UTF-8 with a BOM, so Excel on Chinese
// Windows reads it right) or XLSX (Chinese headers, frozen header row, column widths).
func (s *Server) exportGradebook(c echo.Context) error {
	cls := classOf(c)
	cols, rows, err := s.gradebook(c, cls)
	if err != nil {
		return err
	}
	return sendTables(c, fmt.Sprintf("gradebook-class-%d", cls.ID), []grading.Sheet{{Name: "成绩册", Rows: grading.Table(cols, rows)}})
}

// sendTables answers with the sheets as one CSV (the sheets one after another) or one XLSX
// workbook, by the route's extension.
func sendTables(c echo.Context, name string, sheets []grading.Sheet) error {
	var buf bytes.Buffer
	if strings.HasSuffix(c.Path(), ".csv") {
		var rows [][]string
		for _, sh := range sheets {
			rows = append(rows, sh.Rows...)
		}
		if err := grading.WriteCSV(&buf, rows); err != nil {
			return storeErr(err)
		}
		c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
	if err := grading.WriteXLSX(&buf, sheets); err != nil {
		return storeErr(err)
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}
