package model

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSanitizeJSON(t *testing.T) {
	in := map[string]any{
		"service": "web\u009b2J",
		"title":   "evil\u202egnp.exe",
		"note":    "line one\n\tline two \x1b]52;c;aGk=\x07done",
		"plain":   "checkout-api",
		"n":       3,
		"nested":  []any{"ok", "\u009d0;x\u009c", map[string]any{"k\x1b[31m": "v"}},
	}
	b, _ := json.MarshalIndent(in, "", "  ")
	out, err := SanitizeJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	want := map[string]string{"service": "web", "title": "evilgnp.exe", "note": "line one\n\tline two done", "plain": "checkout-api"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	nested := got["nested"].([]any)
	if nested[1] != "" || nested[2].(map[string]any)["k"] != "v" {
		t.Errorf("nested = %#v", nested)
	}
	if strings.ContainsAny(string(out), "\u009b\u009d\u202e\x1b") || strings.Contains(string(out), `\u001b`) {
		t.Errorf("controls left: %s", out)
	}
	// Clean JSON comes back byte for byte.
	clean := []byte(`{"a": "b \"q\" \\ c\nd", "e": [1, 2.5, true, null]}`)
	if out, _ := SanitizeJSON(clean); string(out) != string(clean) {
		t.Errorf("clean JSON changed: %s", out)
	}
}
