package service

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

// metrics are the service's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg       *prometheus.Registry
	runs      *prometheus.CounterVec
	read      *prometheus.CounterVec
	written   *prometheus.CounterVec
	deleted   *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	receiver  *prometheus.CounterVec
	recvLat   *prometheus.HistogramVec
	received  *prometheus.CounterVec
	lastError *prometheus.GaugeVec
}

func newMetrics(st *store.Store, eng func() *engine.Engine) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_pipe_runs_total",
			Help: "Pipe runs, by pipe and status (completed, failed)."}, []string{"pipe", "status"}),
		read: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_pipe_entities_read_total",
			Help: "Entities read by pipe runs."}, []string{"pipe"}),
		written: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_pipe_entities_written_total",
			Help: "Changes pipe runs made in their sinks (deletions included)."}, []string{"pipe"}),
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_pipe_entities_deleted_total",
			Help: "Deletions pipe runs made in their sinks."}, []string{"pipe"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sluice_pipe_run_duration_seconds",
			Help: "Duration of pipe runs.", Buckets: prometheus.ExponentialBuckets(0.005, 4, 10)}, []string{"pipe"}),
		receiver: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_receiver_requests_total",
			Help: "Requests to receivers, by pipe and outcome."}, []string{"pipe", "outcome"}),
		recvLat: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sluice_receiver_request_duration_seconds",
			Help:    "Time to answer a receiver request (writes are durable before the answer).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 3, 12)}, []string{"pipe"}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_receiver_entities_total",
			Help: "Entities accepted by receivers."}, []string{"pipe"}),
		lastError: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_pipe_last_run_failed",
			Help: "1 when the pipe's last run failed, else 0."}, []string{"pipe"}),
	}
	m.reg.MustRegister(m.runs, m.read, m.written, m.deleted, m.duration, m.receiver, m.recvLat, m.received, m.lastError,
		datasetCollector{st}, webhookCollector{eng}, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeRun(pipe string, sum engine.Summary, err error) {
	m.runs.WithLabelValues(pipe, sum.Status).Inc()
	m.read.WithLabelValues(pipe).Add(float64(sum.Read))
	m.written.WithLabelValues(pipe).Add(float64(sum.Written))
	m.deleted.WithLabelValues(pipe).Add(float64(sum.Deleted))
	m.duration.WithLabelValues(pipe).Observe(float64(sum.DurationMS) / 1000)
	failed := 0.0
	if err != nil {
		failed = 1
	}
	m.lastError.WithLabelValues(pipe).Set(failed)
}

func (m *metrics) observeReceive(pipe, outcome string, entities int, d time.Duration) {
	m.receiver.WithLabelValues(pipe, outcome).Inc()
	m.recvLat.WithLabelValues(pipe).Observe(d.Seconds())
	if outcome == "ok" {
		m.received.WithLabelValues(pipe).Add(float64(entities))
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// datasetCollector reports dataset sizes when scraped.
type datasetCollector struct{ st *store.Store }

var (
	dsEntities = prometheus.NewDesc("sluice_dataset_entities", "Entities (distinct _ids) in a dataset, deleted ones included.", []string{"dataset"}, nil)
	dsDeleted  = prometheus.NewDesc("sluice_dataset_deleted_entities", "Entities whose latest version is deleted.", []string{"dataset"}, nil)
	dsVersions = prometheus.NewDesc("sluice_dataset_versions", "Versions ever written to a dataset.", []string{"dataset"}, nil)
)

func (c datasetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dsEntities
	ch <- dsDeleted
	ch <- dsVersions
}

func (c datasetCollector) Collect(ch chan<- prometheus.Metric) {
	for _, i := range c.st.Datasets() {
		if strings.HasPrefix(i.Name, "system:") {
			continue
		}
		ch <- prometheus.MustNewConstMetric(dsEntities, prometheus.GaugeValue, float64(i.Entities), i.Name)
		ch <- prometheus.MustNewConstMetric(dsDeleted, prometheus.GaugeValue, float64(i.Deleted), i.Name)
		ch <- prometheus.MustNewConstMetric(dsVersions, prometheus.GaugeValue, float64(i.Versions), i.Name)
	}
}

// webhookCollector reports the webhook sinks' deliveries. The totals count
// from when the config was loaded; Prometheus takes a reload's restart
// from zero as a counter reset.
type webhookCollector struct{ eng func() *engine.Engine }

// counted is a sink that keeps webhook delivery totals: the webhook sink.
type counted interface{ Counters() webhook.Counters }

var (
	whAttempts = prometheus.NewDesc("sluice_webhook_attempts_total", "Webhook sink requests, by pipe and outcome (delivered, retrying, failed, gone).", []string{"pipe", "outcome"}, nil)
	whRecords  = prometheus.NewDesc("sluice_webhook_records_delivered_total", "Records webhook sinks delivered (acknowledged with 2xx).", []string{"pipe"}, nil)
	whLatency  = prometheus.NewDesc("sluice_webhook_attempt_seconds_total", "Time webhook sink requests took, in all.", []string{"pipe"}, nil)
)

func (c webhookCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- whAttempts
	ch <- whRecords
	ch <- whLatency
}

func (c webhookCollector) Collect(ch chan<- prometheus.Metric) {
	eng := c.eng()
	for _, p := range eng.Config().Pipes {
		built, err := eng.Pipe(p.ID)
		if err != nil {
			continue
		}
		sink, ok := built.Sink.(counted)
		if !ok {
			continue
		}
		n := sink.Counters()
		for outcome, v := range n.Attempts {
			ch <- prometheus.MustNewConstMetric(whAttempts, prometheus.CounterValue, float64(v), p.ID, outcome)
		}
		ch <- prometheus.MustNewConstMetric(whRecords, prometheus.CounterValue, float64(n.Records), p.ID)
		ch <- prometheus.MustNewConstMetric(whLatency, prometheus.CounterValue, n.Latency.Seconds(), p.ID)
	}
}
