package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"crmlab/server/apptest"
)

// TestConcurrentGroupSaves: every member of a group of six, two of them in a second tab too,
// autosave the group's shared answer at the same moment, over and over, each from the last
// version it saw. The version check must let exactly one save through per version, refuse
// every other one with a Chinese message, and lose none that it acknowledged.
func TestConcurrentGroupSaves(t *testing.T) {
	w := newWorkClass(t, 6)
	w.oneGroup(t)
	a := w.assign(t, "card", "card-4-11", url.Values{"per_group": {"1"}})
	clients := append([]*apptest.Client(nil), w.students...)
	for _, u := range w.users[:2] { // second tabs: same accounts, their own cookies
		c := w.app.Client()
		c.Login(u.Login, "secret1")
		clients = append(clients, c)
	}
	for _, c := range clients {
		if r := c.Get(workPath(a)); r.Status != http.StatusOK {
			t.Fatalf("work page: %d", r.Status)
		}
	}

	type ack struct {
		base, version int
		text          string
	}
	const rounds = 12
	var (
		mu      sync.Mutex
		acks    []ack
		refused int
		wg      sync.WaitGroup
		start   = make(chan struct{})
	)
	for i, c := range clients {
		wg.Add(1)
		go func(i int, c *apptest.Client) {
			defer wg.Done()
			<-start
			version := 0
			for round := 0; round < rounds; round++ {
				text := fmt.Sprintf("第%d位组员第%d次保存：CRM 帮助 A 企业记录 B 公司的每一次反馈。", i, round)
				st, res := autosaveRaw(c, a.ClassID, a.ID, version, url.Values{"f.crm_role": {text}})
				got := int(num(res["version"]))
				switch st {
				case http.StatusOK:
					if res["ok"] != true || res["saved_at"] == "" {
						t.Errorf("client %d: acknowledged without ok/saved_at: %v", i, res)
					}
					mu.Lock()
					acks = append(acks, ack{base: version, version: got, text: text})
					mu.Unlock()
				case http.StatusConflict:
					msg, _ := res["message"].(string)
					if !strings.Contains(msg, "保存了新的内容") || !strings.Contains(msg, "没有保存") {
						t.Errorf("client %d: refusal without a Chinese explanation: %v", i, res)
					}
					if got <= version {
						t.Errorf("client %d: refused at version %d but told the current one is %d", i, version, got)
					}
					mu.Lock()
					refused++
					mu.Unlock()
				default:
					t.Errorf("client %d: save answered %d: %v", i, st, res)
					return
				}
				version = got
			}
		}(i, c)
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}

	sort.Slice(acks, func(i, j int) bool { return acks[i].version < acks[j].version })
	for i, k := range acks {
		if k.version != i+1 {
			t.Fatalf("acknowledged versions %v are not 1, 2, 3, … without gaps or repeats", versionsOf(acks, func(k ack) int { return k.version }))
		}
		if k.base != k.version-1 {
			t.Errorf("save based on version %d was acknowledged as version %d (a stale save got through)", k.base, k.version)
		}
	}
	if refused == 0 {
		t.Fatal("no save was ever refused: the clients did not race")
	}
	if len(acks)+refused != len(clients)*rounds {
		t.Fatalf("%d acknowledged + %d refused, want %d saves", len(acks), refused, len(clients)*rounds)
	}
	subs, err := w.app.Store.SubmissionsOfActivity(ctx, a.ID)
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions of the group: %v %v", subs, err)
	}
	sub := subs[0]
	if sub.DraftVersion != len(acks) {
		t.Fatalf("stored version %d, but %d saves were acknowledged", sub.DraftVersion, len(acks))
	}
	var draft map[string]struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(sub.Draft), &draft); err != nil {
		t.Fatalf("stored draft is not JSON: %v %s", err, sub.Draft)
	}
	if last := acks[len(acks)-1]; !strings.Contains(sub.Draft, last.text) {
		t.Fatalf("stored draft %s, want the last acknowledged save %q", sub.Draft, last.text)
	}
	t.Logf("%d clients × %d saves: %d acknowledged, %d refused", len(clients), rounds, len(acks), refused)

	// Without script, the 保存草稿 button's stale save is refused on the page, in Chinese,
	// and the page keeps what the student typed.
	r := w.students[3].Post(workPath(a)+"/save", url.Values{"version": {"0"}, "f.crm_role": {"没有脚本时的旧版本"}})
	if r.Status != http.StatusConflict || !r.Has("保存了新的内容", "没有脚本时的旧版本") {
		t.Fatalf("plain stale save: %d %.300s", r.Status, r.Body)
	}
	if again, _ := w.app.Store.SubmissionsOfActivity(ctx, a.ID); again[0].DraftVersion != len(acks) || again[0].Draft != sub.Draft {
		t.Fatal("a refused plain save changed the draft")
	}
}

// autosaveRaw is autosave without testing.T, for goroutines: it reports a transport
// failure as status 0.
func autosaveRaw(c *apptest.Client, classID, activityID int64, version int, form url.Values) (int, map[string]any) {
	form.Set("version", itoa(int64(version)))
	form.Set("_csrf", c.CSRF())
	req, _ := http.NewRequest(http.MethodPost, c.AppURL()+"/classes/"+itoa(classID)+"/work/"+itoa(activityID)+"/save", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	r := c.Do(req)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		return r.Status, map[string]any{"body": r.Body}
	}
	return r.Status, out
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func versionsOf[T any](xs []T, f func(T) int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
