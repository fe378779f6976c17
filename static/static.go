// Package static holds the CSS, scripts and vendored front-end libraries, embedded in the
// binary so crmlab needs no internet at run time.
package static

import "embed"

// FS holds css/, js/, vendor/ and the logo.
//
//go:embed css js vendor logo.svg
var FS embed.FS
