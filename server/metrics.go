package server

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is one registry per server, so tests can run several servers in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// Live holds the number of open live (server-sent events) connections: the games' hubs
	// and the simulation teams' hub move it.
	Live prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmlab_http_requests_total",
			Help: "HTTP requests by route and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crmlab_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .2, .5, 1, 2.5},
		}, []string{"route"}),
		Live: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "crmlab_live_connections",
			Help: "Open live-update connections.",
		}),
	}
	// The process collector exports process_resident_memory_bytes, which the load test reads.
	m.reg.MustRegister(m.requests, m.latency, m.Live,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector())
	return m
}

func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// observe is middleware: it counts and times every request by its route pattern (never the
// raw path, which would make a series per class and student) and writes the request log.
// slowRequest is how long a request may take before it is logged whatever its status.
const slowRequest = time.Second

func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // render now, so the status below is the one the client gets
		}
		d := time.Since(start)
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		s.metrics.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(d.Seconds())
		// Every request is logged only with --log-requests: on a school server the lines of
		// a class's ordinary requests bury the refusals, errors and slow answers an IT person
		// looks for, and writing them cost each request a write of its own.
		level := slog.LevelDebug
		if status >= 400 || d >= slowRequest {
			level = slog.LevelInfo
		}
		if route != "/static/*" && route != "/healthz" && route != "/metrics" && s.log.Enabled(c.Request().Context(), level) {
			attrs := []slog.Attr{
				slog.String("method", c.Request().Method),
				slog.String("path", c.Request().URL.Path),
				slog.Int("status", status),
				slog.Duration("dur", d),
			}
			if u := currentUser(c); u != nil {
				attrs = append(attrs, slog.Int64("uid", u.ID))
			}
			s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
		}
		return nil
	}
}
