package config

import (
	"os"
	"regexp"
	"testing"
)

// TestReadmeYAMLBlocksLoad: every YAML block of the README is a
// configuration that loads as written (with the environment variables its
// text says to export).
func TestReadmeYAMLBlocksLoad(t *testing.T) {
	for k, v := range map[string]string{
		"FLIGHTDECK_WEBHOOK_SECRET": "whsec-example", "FLIGHTDECK_WEBHOOK_AUTH": "Bearer abc123",
		"SLACK_WEBHOOK_URL":     "https://hooks.slack.com/services/T000/B000/XXXX",
		"PAGERDUTY_ROUTING_KEY": "R0000000000000000000000000000000", "PROM_TOKEN": "prom-example-token",
	} {
		t.Setenv(k, v)
	}
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(b, -1)
	if len(blocks) < 4 {
		t.Fatalf("found %d YAML blocks in the README, want at least 4 (rollout, notify, senders, probe)", len(blocks))
	}
	for i, m := range blocks {
		if _, _, err := ParseConfig("README.md block "+string(rune('1'+i)), m[1]); err != nil {
			t.Errorf("README YAML block %d does not load: %v\n%s", i+1, err, m[1])
		}
	}
}
