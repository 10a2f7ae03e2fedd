package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the API's gpunet_indexer_api_* series.
type metrics struct {
	requests *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "gpunet", Subsystem: "indexer_api",
			Name: "requests_total", Help: "Requests answered, by route and status code."}, []string{"route", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "gpunet", Subsystem: "indexer_api",
			Name: "request_seconds", Help: "Time to answer a request, by route.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, 1}}, []string{"route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.seconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// measure counts and times every request under its route's pattern (not its path, so
// random keys do not make new series).
func (s *Server) measure(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if ferr := s.app.ErrorHandler(c, err); ferr != nil {
			return ferr
		}
		err = nil
	}
	route := "unmatched"
	if r := c.Route(); r != nil && r.Path != "/" && r.Method != "USE" {
		route = r.Path
	}
	s.metrics.requests.WithLabelValues(route, strconv.Itoa(c.Response().StatusCode())).Inc()
	s.metrics.seconds.WithLabelValues(route).Observe(time.Since(start).Seconds())
	return err
}
