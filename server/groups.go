package server

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmlab/server/store"
)

// Group sizes of the course's team work (seed 000's game and task 4-15 both use 4–6).
const (
	minGroupSize = 4
	maxGroupSize = 6
)

// groupSizes splits n students into groups of as close to `want` as possible, every group of
// 4–6. Below 8 students two groups of 4 are impossible, so a small class forms one group.
func groupSizes(n, want int) []int {
	if n <= 0 {
		return nil
	}
	if n < 2*minGroupSize {
		return []int{n}
	}
	k := (n + want/2) / want // groups of about `want`
	if k < 1 {
		k = 1
	}
	for k*maxGroupSize < n {
		k++
	}
	for k > 1 && k*minGroupSize > n {
		k--
	}
	sizes := make([]int, k)
	for i := range sizes {
		sizes[i] = n / k
		if i < n%k {
			sizes[i]++
		}
	}
	return sizes
}

// checkGroups applies the group rules to a whole class's grouping and returns every problem.
// A class of fewer than 8 students cannot form two groups of 4, so it may form one group.
func checkGroups(specs []store.GroupSpec, classSize int) []string {
	var problems []string
	single := len(specs) == 1 && classSize < 2*minGroupSize
	for _, g := range specs {
		n := len(g.MemberIDs)
		if !single && (n < minGroupSize || n > maxGroupSize) {
			problems = append(problems, fmt.Sprintf("%s有 %d 人：每组需要 %d–%d 人。", g.Name, n, minGroupSize, maxGroupSize))
		}
		if g.LeaderID == 0 {
			problems = append(problems, g.Name+"还没有组长：请勾选一位组长。")
		}
	}
	return problems
}

type groupsPage struct {
	Class    *store.Class
	Groups   []store.Group
	Members  []store.Member
	Leaders  map[int64]bool
	Slots    int // group numbers offered in the manual form
	Assigned map[int64]int
	CanEdit  bool
	Problems []string
}

func (s *Server) showGroups(c echo.Context) error {
	return s.renderGroups(c, http.StatusOK, nil)
}

func (s *Server) renderGroups(c echo.Context, status int, problems []string) error {
	cls := classOf(c)
	ctx := c.Request().Context()
	groups, err := s.store.Groups(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	members, err := s.store.Members(ctx, cls.ID)
	if err != nil {
		return storeErr(err)
	}
	page := groupsPage{
		Class: cls, Groups: groups, Members: members, Leaders: map[int64]bool{}, Assigned: map[int64]int{},
		CanEdit: currentUser(c).Role == store.RoleInstructor, Problems: problems,
	}
	for _, g := range groups {
		page.Leaders[g.LeaderID] = true
		for _, m := range g.Members {
			page.Assigned[m.ID] = g.Position
		}
	}
	page.Slots = max(len(groups)+1, (len(members)+minGroupSize-1)/minGroupSize)
	return s.render(c, status, "groups", cls.Name+" · 分组", page)
}

// shuffleGroups forms random groups of about the chosen size, each led by its first joined
// member (a student who has not joined yet cannot act as leader on a phone).
func (s *Server) shuffleGroups(c echo.Context) error {
	cls := classOf(c)
	want, err := strconv.Atoi(c.FormValue("size"))
	if err != nil || want < minGroupSize || want > maxGroupSize {
		return s.renderGroups(c, http.StatusBadRequest, []string{"每组人数请选择 4、5 或 6。"})
	}
	members, err := s.store.Members(c.Request().Context(), cls.ID)
	if err != nil {
		return storeErr(err)
	}
	if c.FormValue("joined_only") != "" {
		members = slices.DeleteFunc(members, func(m store.Member) bool { return !m.Joined() })
	}
	if len(members) == 0 {
		return s.renderGroups(c, http.StatusBadRequest, []string{"班里还没有可以分组的学生：请先导入名单或让学生加入。"})
	}
	rand.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	var specs []store.GroupSpec
	at := 0
	for i, size := range groupSizes(len(members), want) {
		g := store.GroupSpec{Name: fmt.Sprintf("第%d组", i+1)}
		for _, m := range members[at : at+size] {
			g.MemberIDs = append(g.MemberIDs, m.ID)
			if g.LeaderID == 0 && m.Joined() {
				g.LeaderID = m.ID
			}
		}
		if g.LeaderID == 0 {
			g.LeaderID = g.MemberIDs[0]
		}
		at += size
		specs = append(specs, g)
	}
	if err := s.store.ReplaceGroups(c.Request().Context(), cls.ID, specs); err != nil {
		return s.groupSaveError(c, err)
	}
	s.addFlash(c, "ok", fmt.Sprintf("已随机分成 %d 组，可以在下面手动调整。", len(specs)))
	return c.Redirect(http.StatusSeeOther, classURL(cls.ID)+"/groups")
}

// saveGroups stores a grouping made by hand: every member row carries its group number and
// the leaders are ticked.
func (s *Server) saveGroups(c echo.Context) error {
	cls := classOf(c)
	members, err := s.store.Members(c.Request().Context(), cls.ID)
	if err != nil {
		return storeErr(err)
	}
	form, err := c.FormParams()
	if err != nil {
		return invalid("表单内容不完整，请刷新后重试。")
	}
	leaders := map[int64]bool{}
	for _, v := range form["leader"] {
		id, _ := strconv.ParseInt(v, 10, 64)
		leaders[id] = true
	}
	byNumber := map[int]*store.GroupSpec{}
	var problems []string
	for _, m := range members {
		v := strings.TrimSpace(form.Get("group_" + itoa64(m.ID)))
		if v == "" || v == "0" {
			if leaders[m.ID] {
				problems = append(problems, m.Name+"被勾选为组长，但没有分到任何组。")
			}
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			problems = append(problems, m.Name+"的组号无效。")
			continue
		}
		g := byNumber[n]
		if g == nil {
			g = &store.GroupSpec{}
			byNumber[n] = g
		}
		g.MemberIDs = append(g.MemberIDs, m.ID)
		if leaders[m.ID] {
			if g.LeaderID != 0 {
				problems = append(problems, fmt.Sprintf("第%d组勾选了不止一位组长。", n))
			}
			g.LeaderID = m.ID
		}
	}
	numbers := make([]int, 0, len(byNumber))
	for n := range byNumber {
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	specs := make([]store.GroupSpec, 0, len(numbers))
	for i, n := range numbers {
		g := *byNumber[n]
		g.Name = fmt.Sprintf("第%d组", i+1) // renumber so gaps left by empty groups close
		specs = append(specs, g)
	}
	problems = append(problems, checkGroups(specs, len(members))...)
	if len(problems) > 0 {
		return s.renderGroups(c, http.StatusBadRequest, problems)
	}
	if err := s.store.ReplaceGroups(c.Request().Context(), cls.ID, specs); err != nil {
		return s.groupSaveError(c, err)
	}
	s.addFlash(c, "ok", fmt.Sprintf("分组已保存：%d 组。", len(specs)))
	return c.Redirect(http.StatusSeeOther, classURL(cls.ID)+"/groups")
}

// groupSaveError explains a refused regrouping; other errors are internal.
func (s *Server) groupSaveError(c echo.Context, err error) error {
	if errors.Is(err, store.ErrGroupHasWork) {
		return s.renderGroups(c, http.StatusConflict, []string{"有的小组已经有小组作业，不能把这些组删掉：请保持原来的组数（可以调整组员），或先让老师处理这些作业。"})
	}
	return storeErr(err)
}
