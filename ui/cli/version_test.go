package cli

import (
	"runtime/debug"
	"testing"
)

func TestBuildInfoVersion(t *testing.T) {
	cases := []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build info", nil, false, "dev"},
		{"go install at a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, true, "v1.4.0"},
		{"pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201110000-abcdef123456"}}, true, "v0.0.0-20261201110000-abcdef123456"},
		{"checkout without vcs stamp", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "dev"},
		{"checkout with vcs stamp", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "541746b0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}}, true, "dev-541746b01234-dirty"},
	}
	for _, c := range cases {
		if got := buildInfoVersion(c.info, c.ok); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
