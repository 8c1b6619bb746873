package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// writeMetricsJSON writes exactly the bytes writeJSON(w, v) writes, faster.
//
// Over a year at ten times the demo's traffic the answer is 1.3 MB, nearly
// all of it the failures list (one object per failed deployment) and the
// hotfix ids. encoding/json spends most of a `metrics --json` run on that
// list: reflection per field, a MarshalJSON call per time, then a second
// pass over the whole output to indent it. So the two long lists are
// written here directly, in the layout the encoder gives them, and every
// other field (a few hundred lines: the window, the distributions, the
// weekly trend) still goes through encoding/json, indented to its depth.
// TestWriteMetricsJSONSameBytes holds the two to the same output, on the
// demo year and on a value with every field set.
func writeMetricsJSON(w io.Writer, v metricsJSON) error {
	e := metricsEncoder{quoted: map[string][]byte{}}
	e.buf.Grow(256 + 240*len(v.Failures) + 16*len(v.Hotfixes))
	e.buf.WriteString("{\n")
	fields := []struct {
		key string
		val any
	}{
		{"window", v.Window},
		{"deployment_frequency", v.DeploymentFrequency},
		{"lead_time", v.LeadTime},
		{"change_fail_rate", v.ChangeFailRate},
		{"failures", nil},
		{"failed_deployment_recovery_time", v.FailedDeployRecovery},
		{"mttr", v.MTTR},
		{"mttr_sev1_sev2", v.MTTRMajor},
		{"rework_rate", v.ReworkRate},
		{"hotfix_deployment_ids", nil},
		{"weekly", v.Weekly},
	}
	for i, f := range fields {
		if i > 0 {
			e.buf.WriteString(",\n")
		}
		e.buf.WriteString(`  "` + f.key + `": `)
		var err error
		switch f.key {
		case "failures":
			err = e.failures(v.Failures)
		case "hotfix_deployment_ids":
			e.ids(v.Hotfixes, "  ")
		default:
			err = e.value(f.val, "  ")
		}
		if err != nil {
			return err
		}
	}
	e.buf.WriteString("\n}\n")
	_, err := w.Write(cleanJSON(e.buf.Bytes()))
	return err
}

type metricsEncoder struct {
	buf    bytes.Buffer
	quoted map[string][]byte // a service name as encoding/json quotes it (there are few)
}

// value appends v as encoding/json indents it at depth prefix, without the
// encoder's final newline.
func (e *metricsEncoder) value(v any, prefix string) error {
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1)
	return nil
}

// str appends s quoted as the encoder quotes it (no HTML escaping).
func (e *metricsEncoder) str(s string) error {
	q, ok := e.quoted[s]
	if !ok {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			return err
		}
		q = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		e.quoted[s] = q
	}
	e.buf.Write(q)
	return nil
}

// ids appends a list of ids, one per line at depth prefix+2, "[]" when empty
// and null when nil, as the encoder does.
func (e *metricsEncoder) ids(ids []int64, prefix string) {
	switch {
	case ids == nil:
		e.buf.WriteString("null")
		return
	case len(ids) == 0:
		e.buf.WriteString("[]")
		return
	}
	var num [20]byte
	e.buf.WriteString("[")
	for i, id := range ids {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.buf.WriteString("\n" + prefix + "  ")
		e.buf.Write(strconv.AppendInt(num[:0], id, 10))
	}
	e.buf.WriteString("\n" + prefix + "]")
}

func (e *metricsEncoder) failures(fs []failureJSON) error {
	switch {
	case fs == nil:
		e.buf.WriteString("null")
		return nil
	case len(fs) == 0:
		e.buf.WriteString("[]")
		return nil
	}
	var num [40]byte
	e.buf.WriteString("[")
	for i, f := range fs {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.buf.WriteString("\n    {\n      \"deployment_id\": ")
		e.buf.Write(strconv.AppendInt(num[:0], f.DeploymentID, 10))
		e.buf.WriteString(",\n      \"service\": ")
		if err := e.str(f.Service); err != nil {
			return err
		}
		e.buf.WriteString(",\n      \"rolled_back\": ")
		e.buf.Write(strconv.AppendBool(num[:0], f.RolledBack))
		e.buf.WriteString(",\n      \"incidents\": ")
		e.ids(f.Incidents, "      ")
		e.buf.WriteString(",\n      \"start\": ")
		e.buf.Write(appendJSONTime(num[:0], f.Start))
		e.buf.WriteString(",\n      \"recovered_at\": ")
		e.buf.Write(appendJSONTime(num[:0], f.RecoveredAt))
		e.buf.WriteString("\n    }")
	}
	e.buf.WriteString("\n  ]")
	return nil
}

// appendJSONTime appends t as jsonTime.MarshalJSON writes it.
func appendJSONTime(b []byte, t jsonTime) []byte {
	if time.Time(t).IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = time.Time(t).UTC().AppendFormat(b, jsonTimeLayout)
	return append(b, '"')
}
