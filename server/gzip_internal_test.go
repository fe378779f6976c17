package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"crmlab/static"
)

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r.Multistream(false)
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(out)
}

// TestGzipPieces joins packed and stored pieces of every size that matters (empty, one
// byte, around a stored block's 65,535-byte limit, repetitive and random) in many orders,
// and wants gzip to read back exactly their concatenation with a valid checksum and length.
func TestGzipPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	pieces := [][]byte{
		nil, []byte("x"), []byte(strings.Repeat("客户关系管理", 500)), random(100),
		random(0xffff), random(0xffff + 1), []byte(strings.Repeat("<p>a</p>", 20000)), random(3 * 0xffff),
	}
	for trial := 0; trial < 40; trial++ {
		var out bytes.Buffer
		var want bytes.Buffer
		g := newGzipPage(&out)
		for k := 0; k < 1+trial%7; k++ {
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(2) == 0 {
				g.kept(pack(p))
			} else {
				g.own(p)
			}
			want.Write(p)
		}
		g.close()
		if got := gunzip(t, out.Bytes()); got != want.String() {
			t.Fatalf("trial %d: %d bytes back, want %d", trial, len(got), want.Len())
		}
	}
	// Text compresses: a lesson-sized page of Chinese is far smaller packed.
	text := []byte(strings.Repeat("物流企业的客户关系管理，要从识别客户开始。", 150))
	if p := pack(text); len(p.z) > len(text)/4 {
		t.Errorf("packed %d bytes into %d", len(text), len(p.z))
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"deflate, GZIP;q=0.5", true},
		{"br", false},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"identity", false},
		{"br;q=1, *;q=0.1", true},
		{"x-gzip", true},
		{"gzip;q=nan", false},
		{"gzip;q=1.5", false},
		{"gzip;q=-1", false},
		{"gzip; Q=0.001", true},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Accept-Encoding", tc.header)
		}
		if got := acceptsGzip(r); got != tc.want {
			t.Errorf("Accept-Encoding %q: %v, want %v", tc.header, got, tc.want)
		}
	}
}

// TestStaticGzipKnowsItsFiles wants only the static files that exist to be kept: requests
// for names that are not there (anyone may send them) add nothing.
func TestStaticGzipKnowsItsFiles(t *testing.T) {
	sg, err := newStaticGzip(static.FS)
	if err != nil {
		t.Fatal(err)
	}
	n := len(sg.files)
	if _, ok := sg.files["vendor/htmx/htmx.min.js"]; !ok || n < 4 {
		t.Fatalf("files: %d, htmx %v", n, ok)
	}
	for i := 0; i < 100; i++ {
		r := httptest.NewRequest("GET", "/static/x.js", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		if sg.serve(httptest.NewRecorder(), r, "js/missing"+strings.Repeat("x", i)+".js") {
			t.Fatal("served a file that does not exist")
		}
	}
	if len(sg.files) != n {
		t.Fatalf("%d files kept after requests for missing ones, want %d", len(sg.files), n)
	}
}
