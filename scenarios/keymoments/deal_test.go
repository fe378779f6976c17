package keymoments

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// dealt plays a class of n groups with the given deck and seed up to the deal.
func dealt(t *testing.T, n int, deck []string, seed uint64) []string {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Deck = deck
	s := class(t, cfg, n, 2)
	s.Seed = seed // the server chooses the seed when it creates the game
	s, _ = to(t, s, PhaseDeal)
	out := make([]string, len(s.Groups))
	for i, g := range s.Groups {
		out[i] = g.Artefact
	}
	return out
}

func TestDeal(t *testing.T) {
	deck := []string{"广告", "网页", "保修卡", "海报", "电视广告脚本", "使命愿景海报", "退货政策", "运价表", "跟踪短信", "送货单"}
	cases := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"the same seed deals the same artefacts (replaying the log)", func(t *testing.T) {
			a, b := dealt(t, 5, deck, 7), dealt(t, 5, deck, 7)
			if !slices.Equal(a, b) {
				t.Errorf("%v vs %v", a, b)
			}
		}},
		{"five groups, ten artefacts: five different ones from the deck", func(t *testing.T) {
			a := dealt(t, 5, deck, 7)
			seen := map[string]bool{}
			for _, x := range a {
				if !slices.Contains(deck, x) || seen[x] {
					t.Errorf("deal %v", a)
				}
				seen[x] = true
			}
		}},
		{"different seeds usually deal differently", func(t *testing.T) {
			seen := map[string]bool{}
			for seed := uint64(1); seed <= 40; seed++ {
				seen[strings.Join(dealt(t, 5, deck, seed), "|")] = true
			}
			if len(seen) < 36 {
				t.Errorf("only %d different deals from 40 seeds", len(seen))
			}
		}},
		{"every artefact reaches the first group from some seed", func(t *testing.T) {
			first := map[string]bool{}
			for seed := uint64(1); seed <= 200; seed++ {
				first[dealt(t, 1, deck, seed)[0]] = true
			}
			if len(first) != len(deck) {
				t.Errorf("first group only ever got %d of %d artefacts", len(first), len(deck))
			}
		}},
		{"five groups, three artefacts: the deal cycles", func(t *testing.T) {
			a := dealt(t, 5, deck[:3], 11)
			if a[3] != a[0] || a[4] != a[1] {
				t.Errorf("deal %v does not cycle", a)
			}
			p := slices.Clone(a[:3])
			slices.Sort(p)
			q := slices.Clone(deck[:3])
			slices.Sort(q)
			if !slices.Equal(p, q) {
				t.Errorf("first three %v are not the deck %v", a[:3], deck[:3])
			}
		}},
		{"one artefact for the whole class", func(t *testing.T) {
			if a := dealt(t, 3, []string{"海报"}, 3); !slices.Equal(a, []string{"海报", "海报", "海报"}) {
				t.Errorf("deal %v", a)
			}
		}},
		{"the deal of seed 42 never changes (old logs must replay)", func(t *testing.T) {
			got := fmt.Sprint(dealt(t, 5, DefaultDeck, 42))
			want := goldenDeal42
			if got != want {
				t.Errorf("deal %s, want %s", got, want)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.check)
	}
}

const goldenDeal42 = "[price-list newspaper-ad warranty-card mission-poster returns-policy]"

// The bounded draw behind the shuffle is unbiased enough for a classroom: 60 000 draws from
// [0, 6) land within 5% of 10 000 each.
func TestBoundedDraw(t *testing.T) {
	cases := []struct {
		n     uint64
		draws int
	}{{1, 100}, {6, 60000}, {10, 100000}}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			src := newDealSource(99)
			counts := make([]int, tc.n)
			for range tc.draws {
				counts[bounded(src, tc.n)]++
			}
			want := tc.draws / int(tc.n)
			for i, c := range counts {
				if c < want*95/100 || c > want*105/100 {
					t.Errorf("%d drawn %d times, want about %d", i, c, want)
				}
			}
		})
	}
}
