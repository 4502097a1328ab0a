package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"gatewarden/acs/internal/store"
)

// apiPrefix is where every REST route lives.
const apiPrefix = "/api/v1"

type api struct {
	store         Store
	tasks         TaskRunner
	waker         Waker
	compileFilter FilterCompiler
	validate      PresetValidator
	validateTask  TaskValidator
	files         FileRepo        // nil: no file repository
	campaigns     CampaignService // nil: no campaigns
	mqtt          PushService     // nil: no MQTT lane
	tickets       TicketStore     // nil: no ticket archive
	lineHealth    LineHealthStore // nil: no line health
	wakeTimeout   time.Duration
	wakes         sync.WaitGroup // background connection requests
	log           *slog.Logger
	now           func() time.Time
	online        func(d *store.Device) bool
	registry      *prometheus.Registry
	metrics       *httpMetrics
	mux           *http.ServeMux
	routes        []*route
	openAPIJSON   json.RawMessage
}

// New builds the handler of the API port. It panics when a required
// option is missing: that is a wiring mistake, not a runtime condition.
func New(o Options) http.Handler { return newAPI(o) }

func newAPI(o Options) *api {
	if o.Store == nil || o.Tasks == nil || o.CompileFilter == nil {
		panic("api.New: Store, Tasks and CompileFilter are required")
	}
	a := &api{
		store:         o.Store,
		tasks:         o.Tasks,
		waker:         o.Waker,
		compileFilter: o.CompileFilter,
		validate:      o.ValidatePreset,
		validateTask:  o.ValidateTask,
		files:         o.Files,
		campaigns:     o.Campaigns,
		mqtt:          o.MQTT,
		tickets:       o.Tickets,
		lineHealth:    o.LineHealth,
		wakeTimeout:   o.WakeTimeout,
		log:           o.Logger,
		now:           o.Now,
		registry:      o.Registry,
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With("component", "api")
	if a.now == nil {
		a.now = time.Now
	}
	a.online = onlineRule(o, a.now)
	if a.wakeTimeout <= 0 {
		a.wakeTimeout = DefaultWakeTimeout
	}
	if a.registry == nil {
		a.registry = prometheus.NewRegistry()
		a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	a.metrics = newHTTPMetrics(a.registry)
	a.routes = a.routeTable()
	a.openAPIJSON = mustJSON(a.openAPIDocument())
	a.mux = http.NewServeMux()
	for _, rt := range a.routes {
		a.mux.Handle(rt.pattern(), a.serveRoute(rt))
	}
	a.mux.Handle("GET /healthz", a.metrics.wrap("/healthz", http.HandlerFunc(a.healthz)))
	a.mux.Handle("GET /metrics", a.metrics.wrap("/metrics", a.metricsHandler()))
	return a
}

// ServeHTTP routes the request. ServeMux answers unknown paths and wrong
// methods in plain text; those answers are replaced by JSON errors with
// the same status (and Allow header), so clients parse one error format.
func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern != "" {
		a.mux.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	cw := &captureWriter{header: http.Header{}}
	a.mux.ServeHTTP(cw, r)
	status := cw.status
	switch status {
	case http.StatusNotFound:
		writeError(w, notFound("no such route: %s %s (GET %s/openapi.json lists the routes)", r.Method, r.URL.Path, apiPrefix))
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", cw.header.Get("Allow"))
		writeError(w, errorf(status, codeMethodNotAllowed, "%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, cw.header.Get("Allow")))
	default:
		// Redirects to the cleaned path and the like pass through.
		for k, v := range cw.header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(cw.body)
	}
	a.metrics.observe("unmatched", r.Method, status, time.Since(start))
}

// captureWriter records what ServeMux answers for requests no route
// matched.
type captureWriter struct {
	header http.Header
	status int
	body   []byte
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if len(c.body) < 4096 {
		c.body = append(c.body, b...)
	}
	return len(b), nil
}

// Timeouts for the API listener. WriteTimeout outlasts MaxWait so a
// client waiting for a task gets its answer.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = MaxWait + 30*time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// NewServer returns the http.Server for the API port with the timeouts
// above and errors logged through log.
func NewServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.Default()
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
