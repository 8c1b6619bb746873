package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	pmodel "github.com/prometheus/common/model"
)

// TestPromQueryMatchesClientGolang: promQuery sends what client_golang's
// v1 API Query sends (method, path, form, headers that matter) and reads
// every answer as it does — the values, the warnings, the error type,
// message and detail — for answers good and bad. The client is the
// reference: the probe used it until promquery.go replaced it. Where the
// client fails to decode JSON its message is json-iterator's, ours
// encoding/json's: there only the kind of error is compared; where it
// fails on a value json-iterator wraps the message ours is, with the
// bytes around it.
func TestPromQueryMatchesClientGolang(t *testing.T) {
	type answer struct {
		status  int
		body    string
		postNot int // when set, a POST gets this status and an empty body
	}
	var mu sync.Mutex
	var cur answer
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		a := cur
		seen = append(seen, fmt.Sprintf("%s %s ?%s body=%s ct=%q idem=%q", r.Method, r.URL.Path, r.URL.RawQuery, b, r.Header.Get("Content-Type"), r.Header.Values("Idempotency-Key")))
		mu.Unlock()
		if a.postNot != 0 && r.Method == http.MethodPost {
			w.WriteHeader(a.postNot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	defer srv.Close()

	ok := func(data string) string { return `{"status":"success","data":` + data + `}` }
	sample := func(v string) string { return `{"metric":{"a":"b"},"value":[1764590000.5,` + v + `]}` }
	cases := []struct {
		name     string
		a        answer
		jsonErr  bool // the client's message is json-iterator's
		basePath string
	}{
		{name: "vector", a: answer{200, ok(`{"resultType":"vector","result":[` + sample(`"0.024"`) + `]}`), 0}},
		{name: "vector, two", a: answer{200, ok(`{"resultType":"vector","result":[` + sample(`"1"`) + `,` + sample(`"2"`) + `]}`), 0}},
		{name: "vector, empty", a: answer{200, ok(`{"resultType":"vector","result":[]}`), 0}},
		{name: "vector, NaN Inf", a: answer{200, ok(`{"resultType":"vector","result":[` + sample(`"NaN"`) + `,` + sample(`"+Inf"`) + `,` + sample(`"-Inf"`) + `]}`), 0}},
		{name: "vector, no value", a: answer{200, ok(`{"resultType":"vector","result":[{"metric":{}}]}`), 0}},
		{name: "vector, histogram", a: answer{200, ok(`{"resultType":"vector","result":[{"metric":{},"histogram":[1764590000,{"count":"2","sum":"3","buckets":[[0,"0","1","2"]]}]}]}`), 0}},
		{name: "vector, histogram null", a: answer{200, ok(`{"resultType":"vector","result":[{"metric":{},"value":[1,"0.5"],"histogram":null}]}`), 0}},
		{name: "vector, unquoted value", a: answer{200, ok(`{"resultType":"vector","result":[` + sample(`0.5`) + `]}`), 0}},
		{name: "vector, bad value", a: answer{200, ok(`{"resultType":"vector","result":[` + sample(`"x"`) + `]}`), 0}},
		{name: "vector, bad time", a: answer{200, ok(`{"resultType":"vector","result":[{"metric":{},"value":[1.2.3,"1"]}]}`), 0}, jsonErr: true},
		{name: "vector, integer time", a: answer{200, ok(`{"resultType":"vector","result":[{"metric":{},"value":[1764590000,"0.25"]}]}`), 0}},
		{name: "scalar", a: answer{200, ok(`{"resultType":"scalar","result":[1764590000.5,"0.5"]}`), 0}},
		{name: "scalar, bad", a: answer{200, ok(`{"resultType":"scalar","result":[1764590000.5,"zz"]}`), 0}},
		{name: "matrix", a: answer{200, ok(`{"resultType":"matrix","result":[{"metric":{},"values":[[1764590000.5,"0.01"]]}]}`), 0}},
		{name: "string", a: answer{200, ok(`{"resultType":"string","result":[1764590000.5,"x"]}`), 0}},
		{name: "unknown type", a: answer{200, ok(`{"resultType":"histogram","result":[]}`), 0}},
		{name: "no type", a: answer{200, ok(`{"result":[]}`), 0}},
		{name: "no data", a: answer{200, `{"status":"success"}`, 0}, jsonErr: true},
		{name: "warnings", a: answer{200, `{"status":"success","warnings":["w1","w2"],"data":{"resultType":"vector","result":[]}}`, 0}},
		{name: "error on 200", a: answer{200, `{"status":"error","errorType":"execution","error":"boom","warnings":["w"]}`, 0}},
		{name: "bad_data 400", a: answer{400, `{"status":"error","errorType":"bad_data","error":"1:5: parse error"}`, 0}},
		{name: "422", a: answer{422, `{"status":"error","errorType":"execution","error":"too many samples"}`, 0}},
		{name: "success on 400", a: answer{400, ok(`{"resultType":"vector","result":[]}`), 0}},
		{name: "timeout 503", a: answer{503, `{"status":"error","errorType":"timeout","error":"query timed out"}`, 0}},
		{name: "502 html", a: answer{502, `<html>bad gateway</html>`, 0}},
		{name: "404", a: answer{404, `404 page not found`, 0}},
		{name: "301 without location", a: answer{301, ``, 0}},
		{name: "204", a: answer{204, ``, 0}, jsonErr: true},
		{name: "not JSON", a: answer{200, `hello`, 0}, jsonErr: true},
		{name: "GET after 405", a: answer{200, ok(`{"resultType":"scalar","result":[1,"2"]}`), http.StatusMethodNotAllowed}},
		{name: "GET after 501", a: answer{200, ok(`{"resultType":"scalar","result":[1,"2"]}`), http.StatusNotImplemented}},
		{name: "path prefix", a: answer{200, ok(`{"resultType":"scalar","result":[1,"2"]}`), 0}, basePath: "/prom/"},
		{name: "query in address", a: answer{200, ok(`{"resultType":"scalar","result":[1,"2"]}`), 0}, basePath: "/p?tenant=a"},
	}
	at := time.Date(2026, 12, 1, 20, 0, 0, 123456789, time.UTC)
	const query = `sum(rate(x{a="b"}[1m]))`
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			cur, seen = tc.a, nil
			mu.Unlock()
			addr := srv.URL + tc.basePath
			ctx := context.Background()

			client, err := promapi.NewClient(promapi.Config{Address: addr, RoundTripper: http.DefaultTransport})
			if err != nil {
				t.Fatal(err)
			}
			wantV, wantW, wantErr := promv1.NewAPI(client).Query(ctx, query, at, promv1.WithTimeout(2*time.Second))
			mu.Lock()
			wantSeen := seen
			seen = nil
			mu.Unlock()

			base, err := url.Parse(addr)
			if err != nil {
				t.Fatal(err)
			}
			base.Path = strings.TrimRight(base.Path, "/")
			gotV, gotW, gotErr := promQuery(ctx, http.DefaultTransport, base, query, at, 2*time.Second)
			mu.Lock()
			gotSeen := seen
			mu.Unlock()

			if !slices.Equal(gotSeen, wantSeen) {
				t.Errorf("requests\n got %q\nwant %q", gotSeen, wantSeen)
			}
			if !slices.Equal(gotW, []string(wantW)) {
				t.Errorf("warnings %q, want %q", gotW, wantW)
			}
			var wantAPI *promv1.Error
			var gotAPI *promAPIError
			switch {
			case (gotErr == nil) != (wantErr == nil):
				t.Fatalf("error %v, want %v", gotErr, wantErr)
			case errors.As(wantErr, &wantAPI):
				if !errors.As(gotErr, &gotAPI) || gotAPI.Type != string(wantAPI.Type) || gotAPI.Detail != wantAPI.Detail ||
					(!tc.jsonErr && gotAPI.Msg != wantAPI.Msg) {
					t.Fatalf("error %#v, want %#v", gotErr, wantAPI)
				}
				return
			case wantErr != nil:
				// json-iterator wraps the decoder's message in its context.
				if errors.As(gotErr, &gotAPI) || (!tc.jsonErr && !strings.Contains(wantErr.Error(), gotErr.Error())) {
					t.Fatalf("error %q, want %q", gotErr, wantErr)
				}
				return
			}
			if want := refResult(wantV); !sameResult(gotV, want) {
				t.Errorf("answer %+v, want %+v", gotV, want)
			}
		})
	}
}

// refResult is the client's answer as a promResult.
func refResult(v pmodel.Value) promResult {
	switch v := v.(type) {
	case pmodel.Vector:
		r := promResult{typ: "vector"}
		for _, s := range v {
			r.samples = append(r.samples, float64(s.Value))
		}
		return r
	case *pmodel.Scalar:
		return promResult{typ: "scalar", scalar: float64(v.Value)}
	case pmodel.Matrix:
		return promResult{typ: "matrix"}
	case nil:
		return promResult{}
	}
	return promResult{typ: v.Type().String()}
}

func sameResult(a, b promResult) bool {
	same := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	return a.typ == b.typ && same(a.scalar, b.scalar) && slices.EqualFunc(a.samples, b.samples, same)
}
