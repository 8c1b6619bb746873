package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// One instant query against Prometheus's HTTP API (/api/v1/query), as
// github.com/prometheus/client_golang/api/prometheus/v1 v1.23.2 sends and
// reads it: the same form POST (GET when the server answers 405 or 501),
// the same parameters, the same errors for the same answers (see
// promAPIError). flightdeck used that client; it linked the Prometheus
// data model, protobuf and json-iterator into every process, and their
// package init and size cost every flightdeck run — --help and every CLI
// action included — about 1.5 ms of CPU, for one request a probe makes.
// TestPromQueryMatchesClientGolang keeps the answers the same as the
// client's, which the test still imports.

// promAPIError is client_golang's v1.Error: Type is Prometheus's errorType
// ("bad_data", "timeout", …) or the client's own ("client_error",
// "server_error", "bad_response").
type promAPIError struct {
	Type, Msg, Detail string
}

func (e *promAPIError) Error() string { return e.Type + ": " + e.Msg }

// The error types promError tells apart.
const (
	promErrTimeout     = "timeout"
	promErrCanceled    = "canceled"
	promErrBadData     = "bad_data"
	promErrServer      = "server_error"
	promErrClient      = "client_error"
	promErrBadResponse = "bad_response"
)

// promResult is the answer of an instant query: its resultType and, for a
// vector, each sample's value, for a scalar its value.
type promResult struct {
	typ     string // "vector", "scalar" or "matrix"
	samples []float64
	scalar  float64
}

// promQuery runs query at `at` against the Prometheus at base, with
// Prometheus's own evaluation timeout evalTimeout. It returns the answer,
// Prometheus's warnings, and an error: a *promAPIError for an error
// answer, the transport's error, or the decoding error of a malformed one.
func promQuery(ctx context.Context, rt http.RoundTripper, base *url.URL, query string, at time.Time, evalTimeout time.Duration) (promResult, []string, error) {
	u := *base
	u.Path = path.Join(base.Path, "/api/v1/query")
	q := u.Query()
	if evalTimeout > 0 {
		q.Set("timeout", evalTimeout.String())
	}
	q.Set("query", query)
	if !at.IsZero() {
		q.Set("time", strconv.FormatFloat(float64(at.Unix())+float64(at.Nanosecond())/1e9, 'f', -1, 64))
	}
	client := &http.Client{Transport: rt}
	args := q.Encode()
	req, err := http.NewRequest(http.MethodPost, u.String(), strings.NewReader(args))
	if err != nil {
		return promResult{}, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header["Idempotency-Key"] = nil // retried on a network error like a GET, never sent
	code, data, warnings, err := promDo(ctx, client, req)
	if code == http.StatusMethodNotAllowed || code == http.StatusNotImplemented {
		u.RawQuery = args
		if req, err = http.NewRequest(http.MethodGet, u.String(), nil); err != nil {
			return promResult{}, warnings, err
		}
		code, data, warnings, err = promDo(ctx, client, req)
	}
	if err != nil {
		return promResult{}, warnings, err
	}
	r, err := decodePromData(data)
	return r, warnings, err
}

// promDo sends req and reads the API's envelope: the status code, the
// "data" member, the warnings.
func promDo(ctx context.Context, client *http.Client, req *http.Request) (int, []byte, []string, error) {
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, nil, nil, err
	}
	// The body is read beside ctx, so a deadline ends a slow body too.
	var body []byte
	done := make(chan error, 1)
	go func() {
		var buf bytes.Buffer
		_, err := buf.ReadFrom(resp.Body)
		body = buf.Bytes()
		done <- err
	}()
	select {
	case <-ctx.Done():
		resp.Body.Close()
		<-done
		return resp.StatusCode, nil, nil, ctx.Err()
	case err = <-done:
		resp.Body.Close()
		if err != nil {
			return resp.StatusCode, body, nil, err
		}
	}
	code := resp.StatusCode
	apiError := code == http.StatusUnprocessableEntity || code == http.StatusBadRequest // Prometheus's error codes
	if code/100 != 2 && !apiError {
		e := &promAPIError{Type: promErrBadResponse, Msg: fmt.Sprintf("bad response code %d", code), Detail: string(body)}
		switch code / 100 {
		case 4:
			e.Type, e.Msg = promErrClient, fmt.Sprintf("client error: %d", code)
		case 5:
			e.Type, e.Msg = promErrServer, fmt.Sprintf("server error: %d", code)
		}
		return code, body, nil, e
	}
	var env struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Warnings  []string        `json:"warnings"`
	}
	if code != http.StatusNoContent {
		if err := json.Unmarshal(body, &env); err != nil {
			return code, body, nil, &promAPIError{Type: promErrBadResponse, Msg: err.Error()}
		}
	}
	err = nil
	if apiError && env.Status == "success" {
		err = &promAPIError{Type: promErrBadResponse, Msg: "inconsistent body for response code"}
	}
	if env.Status == "error" {
		err = &promAPIError{Type: env.ErrorType, Msg: env.Error}
	}
	return code, env.Data, env.Warnings, err
}

// decodePromData reads the "data" member of a query's answer as
// client_golang's queryResult does: a scalar [t, "v"], a vector of
// {"metric", "value": [t, "v"]} (a native histogram sample, "histogram",
// reads as the value 0, as the client's Sample.Value is), a matrix (not
// read further: promValue refuses it whatever it holds); any other
// resultType is an error.
func decodePromData(data []byte) (promResult, error) {
	var v struct {
		Type   json.RawMessage `json:"resultType"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return promResult{}, err
	}
	typ := "<ValNone>"
	if v.Type != nil {
		if err := json.Unmarshal(v.Type, &typ); err != nil {
			return promResult{}, err
		}
		switch typ {
		case "<ValNone>", "scalar", "vector", "matrix", "string":
		default:
			return promResult{}, fmt.Errorf("unknown value type %q", typ)
		}
	}
	r := promResult{typ: typ}
	switch typ {
	case "scalar":
		var pair []json.RawMessage
		if err := json.Unmarshal(v.Result, &pair); err != nil {
			return promResult{}, err
		}
		if len(pair) > 0 {
			if err := checkPromTime(pair[0]); err != nil {
				return promResult{}, err
			}
		}
		var s string
		if len(pair) > 1 {
			if err := json.Unmarshal(pair[1], &s); err != nil {
				return promResult{}, err
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return promResult{}, fmt.Errorf("error parsing sample value: %w", err)
		}
		r.scalar = f
	case "vector":
		var samples []*struct {
			Metric    map[string]string `json:"metric"`
			Value     json.RawMessage   `json:"value"`
			Histogram json.RawMessage   `json:"histogram"`
		}
		if err := json.Unmarshal(v.Result, &samples); err != nil {
			return promResult{}, err
		}
		for _, s := range samples {
			f := 0.0
			if s != nil && string(s.Histogram) == "null" {
				return promResult{}, errors.New("wrong number of fields: 0 != 2") // the client's [t, h] pair
			}
			if s != nil && s.Value != nil && s.Histogram == nil {
				var err error
				if f, err = promSamplePair(s.Value); err != nil {
					return promResult{}, err
				}
			}
			r.samples = append(r.samples, f)
		}
	case "matrix":
	default:
		return promResult{}, fmt.Errorf("unexpected value type %q", typ)
	}
	return r, nil
}

// promSamplePair reads [t, "v"].
func promSamplePair(b json.RawMessage) (float64, error) {
	if string(b) == "null" {
		return 0, nil
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return 0, err
	}
	f := 0.0
	for i, e := range pair {
		switch i {
		case 0:
			if err := checkPromTime(e); err != nil {
				return 0, err
			}
		case 1:
			if len(e) < 2 || e[0] != '"' || e[len(e)-1] != '"' {
				return 0, errors.New("sample value must be a quoted string")
			}
			var err error
			if f, err = strconv.ParseFloat(string(e[1:len(e)-1]), 64); err != nil {
				return 0, err
			}
		}
	}
	return f, nil
}

// checkPromTime refuses what the Prometheus model's Time does not read: a
// number of seconds with at most one '.'.
func checkPromTime(b []byte) error {
	p := strings.Split(string(b), ".")
	switch len(p) {
	case 1, 2:
		if _, err := strconv.ParseInt(p[0], 10, 64); err != nil {
			return err
		}
		if len(p) == 2 {
			frac := p[1]
			if len(frac) > 3 {
				frac = frac[:3]
			} else {
				frac += strings.Repeat("0", 3-len(frac))
			}
			if _, err := strconv.ParseInt(frac, 10, 32); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("invalid time %q", string(b))
}
