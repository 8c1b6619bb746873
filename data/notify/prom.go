package notify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// The Prometheus probe: an instant query at the probe's time against the
// server's HTTP API (promquery.go), bounded by the probe's
// timeout. The answer must be exactly one number (a one-series vector or a
// scalar), finite and not negative; anything else — no series, several,
// NaN, ±Inf, a query error, an HTTP error, a timeout, an unreachable
// server — is a failed reading (health unknown), never 0%.

// promReading is one Prometheus probe run.
type promReading struct {
	rate        float64  // percent
	baseline    *float64 // percent; nil without a baseline_query
	reason      string   // why there is no reading; "" when there is
	timedOut    bool
	interrupted bool     // this process is quitting: nothing was read
	warnings    []string // Prometheus's warnings, for the log
}

// promTransport is shared by every query, so connections are reused.
var promTransport = sync.OnceValue(func() http.RoundTripper {
	return http.DefaultTransport.(*http.Transport).Clone()
})

// bearer adds the token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// promVars are the template variables of deployment job j, from the
// environment the command probe gets.
func promVars(env map[string]string) config.PromVars {
	id, _ := strconv.ParseInt(env["FLIGHTDECK_DEPLOYMENT"], 10, 64)
	return config.PromVars{
		Service: env["FLIGHTDECK_SERVICE"], Version: env["FLIGHTDECK_VERSION"],
		Environment: env["FLIGHTDECK_ENVIRONMENT"], Stage: env["FLIGHTDECK_STAGE"], Deployment: id,
	}
}

// readProm runs the probe's queries for one deployment at `at`.
func readProm(ctx context.Context, p *config.Probe, vars config.PromVars, at time.Time) promReading {
	pp := p.Prometheus
	query, baseQuery, err := pp.Render(vars)
	if err != nil {
		return promReading{reason: err.Error()}
	}
	var rt http.RoundTripper = promTransport()
	if pp.BearerToken != "" {
		rt = bearer{token: pp.BearerToken, next: rt}
	}
	base, err := url.Parse(pp.URL)
	if err != nil {
		return promReading{reason: redact("Prometheus client: "+err.Error(), p.Secrets())}
	}
	base.Path = strings.TrimRight(base.Path, "/")
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	var r promReading
	// Prometheus's own evaluation timeout: the query sends
	// time.Duration.String(), and Prometheus parses "1.5s" as neither a
	// float nor one of its durations, refusing every query. Whole seconds
	// parse; our context deadline keeps the exact timeout.
	evalTimeout := max(p.Timeout.Truncate(time.Second), time.Second)
	one := func(what, q string) (float64, bool) {
		v, warns, err := promQuery(ctx, rt, base, q, at, evalTimeout)
		for _, w := range warns {
			r.warnings = append(r.warnings, what+": "+redact(w, p.Secrets()))
		}
		if err != nil {
			r.reason, r.timedOut, r.interrupted = promError(ctx, err, pp.URL, p.Timeout)
			r.reason = redact(what+": "+r.reason, p.Secrets())
			return 0, false
		}
		pct, reason := promValue(v, pp.Unit)
		if reason != "" {
			r.reason = what + ": " + reason
			return 0, false
		}
		return pct, true
	}
	var ok bool
	if r.rate, ok = one("the query", query); !ok {
		return r
	}
	if baseQuery != "" {
		b, ok := one("the baseline query", baseQuery)
		if !ok {
			return r
		}
		r.baseline = &b
	}
	return r
}

// promError says why a query failed. interrupted is true when ctx's
// parent ended (the process is quitting), not the probe's timeout.
func promError(ctx context.Context, err error, url string, timeout time.Duration) (reason string, timedOut, interrupted bool) {
	var ae *promAPIError
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return "interrupted", false, true
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Sprintf("no answer from Prometheus at %s within %s", url, model.FormatDurationExact(timeout)), true, false
	case errors.As(err, &ae):
		switch ae.Type {
		case promErrBadData:
			return "Prometheus refused it: " + firstLine(ae.Msg), false, false
		case promErrTimeout, promErrCanceled:
			return "Prometheus gave up evaluating it: " + firstLine(ae.Msg), true, false
		case promErrServer, promErrClient, promErrBadResponse:
			return fmt.Sprintf("Prometheus at %s answered %s", url, firstLine(strings.TrimSpace(ae.Msg+" "+ae.Detail))), false, false
		}
		return "Prometheus: " + firstLine(ae.Error()), false, false
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return fmt.Sprintf("cannot reach Prometheus at %s: %v", url, oe.Err), false, false
	}
	return fmt.Sprintf("Prometheus at %s: %s", url, firstLine(err.Error())), false, false
}

// promValue reads the error rate from an instant query's answer, in
// percent; reason says why there is none (it is never a zero).
func promValue(v promResult, unit string) (pct float64, reason string) {
	var f float64
	switch v.typ {
	case "vector":
		switch len(v.samples) {
		case 0:
			return 0, "no series (is the service scraped, are the label values right?)"
		case 1:
			f = v.samples[0]
		default:
			return 0, fmt.Sprintf("%d series, not one: aggregate them, e.g. sum(...) / sum(...)", len(v.samples))
		}
	case "scalar":
		f = v.scalar
	case "matrix":
		return 0, "a range vector, not one number: wrap the [window] in rate() or sum_over_time()"
	case "":
		return 0, "no value"
	default:
		return 0, fmt.Sprintf("a %s, not a number", v.typ)
	}
	switch {
	case math.IsNaN(f):
		return 0, "NaN (no requests in the window, so 0/0?)"
	case math.IsInf(f, 0):
		return 0, strconv.FormatFloat(f, 'f', -1, 64) + " (a division by zero?)"
	case f < 0:
		return 0, strconv.FormatFloat(f, 'g', 6, 64) + ", a negative error rate"
	}
	if unit != config.UnitPercent {
		f *= 100
	}
	if f > 100 {
		hint := "the query must give a ratio (0.024 for 2.4%); with unit: percent, a percentage"
		if unit != config.UnitPercent {
			hint = "unit is ratio, so it was multiplied by 100: write unit: percent if the query gives a percentage"
		}
		return 0, strconv.FormatFloat(f, 'g', 6, 64) + "%, above 100%: " + hint
	}
	return f, ""
}

// redact removes every secret from s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
