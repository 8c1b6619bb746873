// Package send holds flightdeck's built-in HTTP senders: a generic webhook
// (JSON, schema flightdeck.notice.v1, optionally HMAC-signed), Slack-style
// incoming webhooks (Slack, Mattermost, Rocket.Chat) and PagerDuty Events
// API v2. A Sender makes one attempt; Deliver retries what is worth
// retrying. No message this package returns ever holds a secret of the
// sender: every error is redacted of the sender's secrets and of the URL's
// credentials, net/http's *url.Error included.
package send

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// UserAgent is sent with every request; the CLI sets it to
// "flightdeck/<version>".
var UserAgent = "flightdeck/dev"

// now is the clock of signatures and test keys (tests replace it).
var now = time.Now

// Sender delivers a notice somewhere: one attempt, bounded by the
// sender's timeout.
type Sender interface {
	Name() string
	Send(ctx context.Context, n model.Notice) error
}

// New builds the sender c describes. client may be nil (a default client);
// redirects are never followed, so a moved endpoint is an error to fix, not
// a signed body sent somewhere else. The command type is built by
// data/notify.
func New(c config.Sender, client *http.Client) (Sender, error) {
	if client == nil {
		client = &http.Client{}
	}
	cl := *client
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h := &httpSender{cfg: c, client: &cl, secrets: secretsOf(c)}
	if h.cfg.Timeout <= 0 {
		h.cfg.Timeout = config.DefaultSenderTimeout
	}
	if c.Type != config.SenderCommand {
		u, err := url.Parse(c.URL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("%s %s: the URL is not an http or https URL", c.Type, c.Name)
		}
	}
	switch c.Type {
	case config.SenderWebhook:
		return &webhook{h}, nil
	case config.SenderSlack:
		return &slack{h}, nil
	case config.SenderPagerDuty:
		if c.RoutingKey == "" {
			return nil, fmt.Errorf("pagerduty %s: no routing key", c.Name)
		}
		return &pagerDuty{h}, nil
	case config.SenderCommand:
		return nil, fmt.Errorf("command %s: command senders are run by data/notify, not package send", c.Name)
	}
	return nil, fmt.Errorf("sender %s: unknown type %q", c.Name, c.Type)
}

// httpSender is what every HTTP sender shares: the config, the client, the
// secrets to redact.
type httpSender struct {
	cfg     config.Sender
	client  *http.Client
	secrets []string
}

func (h *httpSender) Name() string { return h.cfg.Name }

// label is how messages name the sender: "webhook ops".
func (h *httpSender) label() string { return h.cfg.Type + " " + h.cfg.Name }

// secretsOf is every value of c that must never be shown: the config's
// list, and (for a Sender built by hand) the secret fields and the URL's
// credentials again. Longest first, so no part of a longer one survives.
func secretsOf(c config.Sender) []string {
	all := slices.Clone(c.Secrets)
	all = append(all, c.Secret, c.RoutingKey)
	for _, v := range c.Headers {
		all = append(all, v)
		all = append(all, config.CredentialPart(v)...)
	}
	if u, err := url.Parse(c.URL); err == nil {
		if c.Type == config.SenderSlack {
			all = append(all, c.URL, u.String())
			if len(u.Path) > 1 {
				all = append(all, u.Path, strings.TrimPrefix(u.Path, "/"), u.EscapedPath(), strings.TrimPrefix(u.EscapedPath(), "/"))
			}
			all = append(all, config.TokenSegments(u.Path)...)
		}
		if u.User != nil {
			all = append(all, u.User.String())
			if pw, ok := u.User.Password(); ok {
				all = append(all, pw)
			}
		}
		if u.RawQuery != "" {
			all = append(all, u.RawQuery)
			for _, vs := range u.Query() {
				all = append(all, vs...)
			}
		}
	} else if c.URL != "" {
		all = append(all, c.URL)
	}
	var out []string
	for _, s := range all {
		if s != "" && s != "/" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// redact removes every secret from s.
func (h *httpSender) redact(s string) string {
	for _, v := range h.secrets {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}

// shownURL is the URL as messages may show it.
func (h *httpSender) shownURL() string {
	return h.redact(h.cfg.ShownURL())
}

// Error is a failed attempt. Its message names the sender and what went
// wrong and never holds a secret.
type Error struct {
	Sender string // the sender's name
	// Status is the HTTP status; 0 when no response came (network,
	// timeout) or nothing was sent (a notice the sender cannot take).
	Status int
	// Retry says whether another attempt may succeed: network errors,
	// timeouts, 408, 429 and 5xx. Other 4xx and refusals are permanent.
	Retry bool
	// RetryAfter is the server's Retry-After (429, 503), capped at
	// MaxRetryAfter; 0 when none.
	RetryAfter time.Duration
	msg        string
	err        error
}

func (e *Error) Error() string { return e.msg }

// Retryable is Retry, for callers that ask an error whether to retry
// without importing this package (data/notify's outbox).
func (e *Error) Retryable() bool { return e.Retry }

// Unwrap gives context.Canceled / DeadlineExceeded to errors.Is; the
// wrapped error's own text is never part of Error().
func (e *Error) Unwrap() error { return e.err }

// MaxRetryAfter bounds how long a Retry-After may make Deliver wait.
const MaxRetryAfter = 5 * time.Minute

// Retryable reports whether another attempt of the failed delivery may
// succeed. An error that is not an *Error (or nil) is not retryable.
func Retryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retry
}

// permanent is a refusal that no retry changes.
func (h *httpSender) permanent(format string, a ...any) *Error {
	return &Error{Sender: h.cfg.Name, msg: h.message(fmt.Sprintf(format, a...))}
}

// maxBody is how much of a response is read: enough for an error message.
const maxBody = 4096

// excerptLen is how many characters of an error response a message quotes.
const excerptLen = 200

// post sends body as JSON to the sender's URL, one attempt bounded by the
// sender's timeout, and turns every failure into an *Error. Any 2xx is
// success.
func (h *httpSender) post(ctx context.Context, body []byte, header http.Header) error {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return h.permanent("cannot build the request: %s", h.netText(err))
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	resp, err := h.client.Do(req)
	if err != nil {
		e := &Error{Sender: h.cfg.Name, Retry: true, err: ctxErr(ctx, err)}
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
			e.msg = fmt.Sprintf("no answer from %s within %s", h.shownURL(), model.FormatDurationExact(h.cfg.Timeout))
		case errors.Is(err, context.Canceled):
			e.msg = fmt.Sprintf("stopped before %s answered", h.shownURL())
		default:
			e.msg = h.netText(err)
		}
		e.msg = h.message(e.msg)
		return e
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // reuse the connection
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &Error{Sender: h.cfg.Name, Status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
		e.Retry = true
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now())
	}
	msg := "HTTP " + statusText(resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += ": flightdeck does not follow redirects; put the final URL in the configuration"
	}
	if ex := excerpt(data); ex != "" {
		msg += ": " + ex
	}
	e.msg = h.message(msg)
	return e
}

// message is an error's text: the sender (its type and name, never
// secret: they are what the configuration calls it) and detail with every
// secret removed, so a short secret cannot eat the sender's name.
func (h *httpSender) message(detail string) string {
	return h.label() + ": " + h.redact(detail)
}

func ctxErr(ctx context.Context, err error) error {
	if c := ctx.Err(); c != nil {
		return c
	}
	return nil
}

// netText describes a transport error without the URL net/http quotes
// (a Slack URL is the credential): "Post https://host/…: connection refused".
func (h *httpSender) netText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return h.redact(fmt.Sprintf("%s %s: %s", ue.Op, h.shownURL(), ue.Err))
	}
	return h.redact(err.Error())
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// excerpt is the start of a response body, one clean line.
func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(model.SanitizeLine(string(b))), " ")
	if utf8.RuneCountInString(s) > excerptLen {
		r := []rune(s)
		s = string(r[:excerptLen]) + "…"
	}
	return s
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, at time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(at)
	}
	return min(max(d, 0), MaxRetryAfter)
}
