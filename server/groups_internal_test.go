package server

import (
	"slices"
	"testing"
)

func TestGroupSizes(t *testing.T) {
	cases := []struct {
		name string
		n    int
		want int
		out  []int
	}{
		{"empty class", 0, 5, nil},
		{"three students form one group", 3, 5, []int{3}},
		{"seven cannot split into 4–6, one group", 7, 5, []int{7}},
		{"eight make two fours", 8, 5, []int{4, 4}},
		{"a class of 23 in fives", 23, 5, []int{5, 5, 5, 4, 4}},
		{"a class of 23 in sixes", 23, 6, []int{6, 6, 6, 5}},
		{"a class of 23 in fours", 23, 4, []int{5, 5, 5, 4, 4}},
		{"a class of 50 in fives", 50, 5, []int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
		{"thirteen in sixes stays 4–6", 13, 6, []int{5, 4, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := groupSizes(tc.n, tc.want)
			if !slices.Equal(got, tc.out) {
				t.Fatalf("groupSizes(%d, %d) = %v, want %v", tc.n, tc.want, got, tc.out)
			}
		})
	}
	// Every class size from 8 to 300 and every wanted size gives groups of 4–6 covering all.
	for n := 8; n <= 300; n++ {
		for want := 4; want <= 6; want++ {
			total := 0
			for _, s := range groupSizes(n, want) {
				if s < minGroupSize || s > maxGroupSize {
					t.Fatalf("groupSizes(%d, %d) has a group of %d", n, want, s)
				}
				total += s
			}
			if total != n {
				t.Fatalf("groupSizes(%d, %d) covers %d", n, want, total)
			}
		}
	}
}

func TestJoinCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		c := newJoinCode()
		if len(c) != 6 {
			t.Fatalf("code %q", c)
		}
		for _, r := range c {
			if r == '0' || r == 'O' || r == '1' || r == 'I' || r == 'L' {
				t.Fatalf("ambiguous character in %q", c)
			}
		}
		seen[c] = true
	}
	if len(seen) < 1990 {
		t.Fatalf("only %d distinct codes in 2000", len(seen))
	}
}
