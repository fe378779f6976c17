package server

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Pages are sent gzip-compressed to browsers that accept it (a lesson is 8.5 KB of HTML and
// 4.2 KB compressed, on a classroom's Wi-Fi shared by fifty phones) without compressing
// anything per request. What is kept across requests, the layout's frame and a page's kept
// content (a lesson, the course index, a student's home), is compressed once, when it is
// kept, into deflate blocks that end on a byte boundary (a sync flush); what belongs to one
// request, the user's name, the CSRF token and the flashes, goes into the same deflate
// stream as stored (uncompressed) blocks. Such blocks can follow each other in any order,
// so a response is a gzip header, the pieces in page order, an empty final block and the
// checksum. It also means that the CSRF token (like the name and the flashes) is never
// compressed together with text someone else chose, which is what the BREACH attack on
// compressed HTTPS pages needs.

// packed is HTML kept across requests with its deflate form.
type packed struct {
	raw []byte
	z   []byte // raw as non-final deflate blocks, the last one ending on a byte boundary
}

var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression)
	return w
}}

// pack compresses raw for sending in pieces (see gzipPage).
func pack(raw []byte) packed {
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	w.Reset(&buf)
	w.Write(raw)
	w.Flush() // a sync flush: byte-aligned and not final, so more blocks may follow
	deflaters.Put(w)
	return packed{raw: raw, z: buf.Bytes()}
}

// packString packs s without copying it (raw is only ever read).
func packString(s string) packed { return pack(unsafe.Slice(unsafe.StringData(s), len(s))) }

// gzipPage builds a gzip stream from packed and stored pieces.
type gzipPage struct {
	out  *bytes.Buffer
	crc  uint32
	size uint32
}

// gzipHeader: magic, deflate, no flags, no modification time, no extra flags, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

func newGzipPage(out *bytes.Buffer) *gzipPage {
	out.Write(gzipHeader)
	return &gzipPage{out: out}
}

func (g *gzipPage) sum(raw []byte) {
	g.crc = crc32.Update(g.crc, crc32.IEEETable, raw)
	g.size += uint32(len(raw))
}

func (g *gzipPage) part(f *frame, i int) { g.kept(f.zparts[i]) }

// kept appends content compressed earlier.
func (g *gzipPage) kept(p packed) {
	g.out.Write(p.z)
	g.sum(p.raw)
}

// own appends raw as stored deflate blocks (at most 65,535 bytes each).
func (g *gzipPage) own(raw []byte) {
	g.sum(raw)
	for len(raw) > 0 {
		n := min(len(raw), 0xffff)
		var h [5]byte // BFINAL 0, BTYPE 00, padding to the byte; LEN and its complement
		binary.LittleEndian.PutUint16(h[1:], uint16(n))
		binary.LittleEndian.PutUint16(h[3:], ^uint16(n))
		g.out.Write(h[:])
		g.out.Write(raw[:n])
		raw = raw[n:]
	}
}

// close ends the deflate stream with an empty final block and appends the gzip trailer.
func (g *gzipPage) close() {
	g.out.Write([]byte{1, 0, 0, 0xff, 0xff})
	var t [8]byte
	binary.LittleEndian.PutUint32(t[:4], g.crc)
	binary.LittleEndian.PutUint32(t[4:], g.size)
	g.out.Write(t[:])
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip (RFC 9110 §12.5.3:
// a listed coding with q=0 is refused; * stands for any coding not listed; x-gzip is gzip;
// a weight that is not a number from 0 to 1 does not allow the coding).
func acceptsGzip(r *http.Request) bool {
	star := false
	for _, h := range r.Header.Values("Accept-Encoding") {
		for _, item := range strings.Split(h, ",") {
			name, params, _ := strings.Cut(item, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "x-gzip" && name != "*" {
				continue
			}
			ok := true
			for _, p := range strings.Split(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
					ok = err == nil && q > 0 && q <= 1
				}
			}
			if name == "*" {
				star = ok
			} else if ok || name == "gzip" {
				return ok
			}
		}
	}
	return star
}

// staticGzip keeps the gzip form of each compressible static file, made the first time a
// browser asks for it: ECharts is 715 KB and 241 KB compressed, htmx 51 KB and 17 KB, and
// fifty phones fetch them at the start of a lesson. The files are listed once, at start-up,
// so a request for a name that is not there adds nothing.
type staticGzip struct {
	fsys  fs.FS
	files map[string]*gzipFile // every compressible file; never written after newStaticGzip
}

type gzipFile struct {
	once  sync.Once
	ctype string
	data  []byte
	err   error
}

// compressible gives the type of a static file worth compressing (images other than SVG
// already are), from the types Go knows without the system's table; "" for the rest.
func compressible(name string) string {
	switch ext := path.Ext(name); ext {
	case ".js", ".css", ".svg", ".json":
		return mime.TypeByExtension(ext)
	}
	return ""
}

func newStaticGzip(fsys fs.FS) (*staticGzip, error) {
	sg := &staticGzip{fsys: fsys, files: map[string]*gzipFile{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctype := compressible(p); !d.IsDir() && ctype != "" {
			sg.files[p] = &gzipFile{ctype: ctype}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list static files: %w", err)
	}
	return sg, nil
}

// serve answers a request for static file name with its gzip form when the browser takes
// gzip and the type is worth it, and reports whether it did. The whole file is sent
// (200) whatever Range asks for: byte ranges of the compressed form are of no use to a
// browser, and several ranges would come back as a multipart body that is not gzip.
func (sg *staticGzip) serve(w http.ResponseWriter, r *http.Request, name string) bool {
	f, ok := sg.files[name]
	if !ok {
		return false // not compressible, or not there: the file server answers
	}
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r) {
		return false
	}
	f.once.Do(func() {
		raw, err := fs.ReadFile(sg.fsys, name)
		if err != nil {
			f.err = err
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(raw)
		zw.Close()
		f.data = buf.Bytes()
	})
	if f.err != nil {
		return false
	}
	h.Set("Content-Type", f.ctype)
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(len(f.data)))
	w.WriteHeader(http.StatusOK)
	w.Write(f.data)
	return true
}
