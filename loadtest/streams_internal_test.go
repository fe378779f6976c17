package loadtest

import (
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// pieces reads its data in pieces of random sizes, 1 byte to a few KB, as a socket may.
type pieces struct {
	data []byte
	rng  *rand.Rand
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(b), len(p.data), 1+p.rng.IntN(3000))
	copy(b, p.data[:n])
	p.data = p.data[n:]
	return n, nil
}

// TestReadMessages feeds one stream's reader messages split at random places: every message
// with data counts (keep-alive comments do not), the phase of each is found, a message longer
// than the reader's buffer is read whole, and the last view reads back as sent.
func TestReadMessages(t *testing.T) {
	long := strings.Repeat("客户关系管理", 3000) // 54 KB on one line, more than the buffer
	views := []string{
		`<section class="phase-lobby">` + "\n<h2>等待开始</h2>\n\n<p>空行之后</p></section>",
		`<section class="phase-define"><p>` + long + `</p></section>`,
		`<section class="phase-lobby">` + "\n<p>最后</p>\n</section>",
	}
	var stream strings.Builder
	for i, v := range views {
		stream.WriteString(": keep-alive\n\n")
		if i == 1 {
			stream.WriteString("id: 7\nevent: view\n")
		}
		for _, line := range strings.Split(v, "\n") {
			stream.WriteString("data: " + line + "\n")
		}
		stream.WriteString("\n")
	}
	stream.WriteString(": keep-alive\n\n") // after the last view too: it must not replace it
	for seed := uint64(0); seed < 30; seed++ {
		p := &phones{streams: []*phoneStream{{ready: make(chan struct{})}}}
		r := &round{phase: "define", arrivals: make([]atomic.Int64, 1), done: make(chan struct{})}
		r.remaining.Store(1)
		p.cur.Store(r)
		firsts := 0
		p.wg.Add(1)
		body := &pieces{data: []byte(stream.String()), rng: rand.New(rand.NewPCG(seed, 1))}
		p.read(0, p.streams[0], &http.Response{Body: io.NopCloser(body)}, func() { firsts++ })
		select { // read has returned: the round is done by now or never
		case <-r.done:
		default:
			t.Fatalf("seed %d: the define message was not counted", seed)
		}
		if firsts != 1 || !p.streams[0].closed.Load() {
			t.Fatalf("seed %d: first view reported %d times, closed %v", seed, firsts, p.streams[0].closed.Load())
		}
		if got := p.lastView(0); got != views[2] {
			t.Fatalf("seed %d: last view %q, want %q", seed, got, views[2])
		}
	}
}
