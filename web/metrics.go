package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xinyong/xinyong/app"
)

// Metrics are the platform's Prometheus metrics (运行监控指标): requests by route and status,
// their durations, and the store's counters (subjects, records) read at each scrape. They are
// served by MetricsHandler on a listener of their own (serve --metrics-addr), never on the
// public site: a route label may name console pages, and monitoring is the operator's.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	once     sync.Once
}

// NewMetrics registers the platform's metrics and the Go runtime's and the process's. The
// server given them in Config adds its store's counters (read with a short timeout at each
// scrape).
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "xinyong_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "xinyong_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method and route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"method", "route"})
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watch adds the counters of a's store to m (once).
func (m *Metrics) watch(a *app.App) {
	if m != nil {
		m.once.Do(func() { m.reg.MustRegister(&storeCollector{a: a}) })
	}
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// observe counts one answered request. route is the matched pattern ("" when none matched,
// counted as "unmatched" so that scanners probing random paths cannot grow the label set).
func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	} else if _, path, ok := strings.Cut(route, " "); ok {
		route = path
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
	default:
		method = "other"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// storeCollector reports the store's counters (home-page figures) at each scrape.
type storeCollector struct{ a *app.App }

var storeCounterDesc = prometheus.NewDesc("xinyong_store_count",
	"Platform counters kept in the store: subjects by kind and current records, by name.", []string{"name"}, nil)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- storeCounterDesc }

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counters, err := c.a.Store.Counters(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(storeCounterDesc, err)
		return
	}
	for name, v := range counters {
		ch <- prometheus.MustNewConstMetric(storeCounterDesc, prometheus.GaugeValue, float64(v), name)
	}
}
