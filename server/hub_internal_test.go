package server

import "testing"

func TestEncodeSSE(t *testing.T) {
	cases := []struct {
		name string
		m    sseMessage
		want string
	}{
		{"one line", sseMessage{Data: "hi"}, "data: hi\n\n"},
		{"id and event", sseMessage{ID: 12, Event: "view", Data: "<p>x</p>"}, "id: 12\nevent: view\ndata: <p>x</p>\n\n"},
		{"lines, blank and trailing", sseMessage{Data: "a\n\nb\n"}, "data: a\ndata: \ndata: b\ndata: \n\n"},
		{"empty", sseMessage{}, "data: \n\n"},
	}
	for _, tc := range cases {
		if got := string(encodeSSE(tc.m)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
