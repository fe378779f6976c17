package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"crmlab/server/store"
)

// errKind says what went wrong in terms the error page and the status code need.
type errKind int

const (
	kindInternal errKind = iota
	kindInvalid
	kindUnauthorized
	kindForbidden
	kindNotFound
	kindConflict
	kindTooLarge
	kindTooMany
)

// appError is an error with a message safe to show to the user, in Chinese.
type appError struct {
	kind errKind
	msg  string
	err  error // the cause, logged for internal errors only
}

func (e *appError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *appError) Unwrap() error { return e.err }

func invalid(msg string) error   { return &appError{kind: kindInvalid, msg: msg} }
func forbidden(msg string) error { return &appError{kind: kindForbidden, msg: msg} }
func notFound() error {
	return &appError{kind: kindNotFound, msg: "页面不存在，或你没有权限查看。"}
}

// storeErr turns a store error into an app error: ErrNotFound becomes a 404, anything else
// an internal error whose cause is logged and not shown.
func storeErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	return &appError{kind: kindInternal, msg: "服务器出错了，请稍后再试。", err: err}
}

var kindStatus = map[errKind]int{
	kindInternal:     http.StatusInternalServerError,
	kindInvalid:      http.StatusBadRequest,
	kindUnauthorized: http.StatusUnauthorized,
	kindForbidden:    http.StatusForbidden,
	kindNotFound:     http.StatusNotFound,
	kindConflict:     http.StatusConflict,
	kindTooLarge:     http.StatusRequestEntityTooLarge,
	kindTooMany:      http.StatusTooManyRequests,
}

// fromHTTPError maps echo's own errors (no route, body too large, …) to Chinese messages.
func fromHTTPError(he *echo.HTTPError) *appError {
	switch he.Code {
	case http.StatusNotFound:
		return &appError{kind: kindNotFound, msg: "页面不存在，或你没有权限查看。"}
	case http.StatusMethodNotAllowed:
		return &appError{kind: kindNotFound, msg: "页面不存在。"}
	case http.StatusRequestEntityTooLarge:
		return &appError{kind: kindTooLarge, msg: "提交的内容太大（文件不能超过 5 MB）。"}
	case http.StatusTooManyRequests:
		return &appError{kind: kindTooMany, msg: "尝试次数过多，请稍等一分钟再试。"}
	case http.StatusForbidden:
		return &appError{kind: kindForbidden, msg: "你没有权限进行这个操作。"}
	case http.StatusUnauthorized:
		return &appError{kind: kindUnauthorized, msg: "请先登录。"}
	case http.StatusBadRequest:
		return &appError{kind: kindInvalid, msg: "请求的格式不正确。"}
	}
	return &appError{kind: kindInternal, msg: "服务器出错了，请稍后再试。", err: he}
}

// handleError is echo's single error handler: it renders every error as a Chinese page (or
// a short text for htmx requests) and logs only internal ones.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var ae *appError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &he):
		ae = fromHTTPError(he)
	default:
		ae = &appError{kind: kindInternal, msg: "服务器出错了，请稍后再试。", err: err}
	}
	status := kindStatus[ae.kind]
	if ae.kind == kindInternal {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if c.Request().Header.Get("HX-Request") == "true" {
		c.String(status, ae.msg)
		return
	}
	if err := s.render(c, status, "error", "出错了", errorPage{Status: status, Message: ae.msg}); err != nil {
		c.String(status, ae.msg)
	}
}

type errorPage struct {
	Status  int
	Message string
}
