package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// The CLI over SSH, end to end: the built binary serves, the OpenSSH client
// sends commands.

// sshCmd runs ssh without a terminal, with stdin, and returns stdout, stderr
// and the exit code separately.
func sshCmd(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh", args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatalf("ssh %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	return "", "", -1
}

// cmdServer is a serve with a CI login, a viewer and one-second soaks.
type cmdServer struct {
	*serveProc
	dir, db                     string
	ciKey, viewerKey, strangerK string
	knownHosts                  string // "[127.0.0.1]:PORT ssh-ed25519 …"
}

func startCmdServer(t *testing.T) *cmdServer {
	t.Helper()
	requireSSHTools(t)
	dir := t.TempDir()
	dataHome, configHome := filepath.Join(dir, "data"), filepath.Join(dir, "config")
	if err := os.MkdirAll(filepath.Join(configHome, "flightdeck"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "users:\n  ci:\n    name: CI pipeline\n  vic:\n    name: Vic Viewer\n    viewer: true\n" +
		"strategies:\n  canary:\n"
	for _, st := range []string{"canary-5", "canary-25", "canary-50", "canary-100"} {
		cfg += "    - name: " + st + "\n      soak: 1s\n"
	}
	if err := os.WriteFile(filepath.Join(configHome, "flightdeck", "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &cmdServer{dir: dir, db: filepath.Join(dir, "fd.db")}
	var ciPub, viewerPub string
	s.ciKey, ciPub = sshKey(t, dir, "ci")
	s.viewerKey, viewerPub = sshKey(t, dir, "vic")
	s.strangerK, _ = sshKey(t, dir, "stranger")
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte(ciPub+"\n"+viewerPub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"XDG_DATA_HOME=" + dataHome, "XDG_CONFIG_HOME=" + configHome, "FLIGHTDECK_CONFIG=", "FLIGHTDECK_DB=", "FLIGHTDECK_AS=", "DEBUG=1"}
	t.Setenv("XDG_CONFIG_HOME", configHome) // the in-process fd below reads the same config
	t.Setenv("FLIGHTDECK_CONFIG", "")
	s.serveProc = startServe(t, dir, env, s.db, "--authorized-keys", keys)
	pub, err := exec.Command("ssh-keygen", "-y", "-f", filepath.Join(dataHome, "flightdeck", "ssh_host_ed25519")).Output()
	if err != nil {
		t.Fatal(err)
	}
	s.knownHosts = "[127.0.0.1]:" + s.port + " " + strings.TrimSpace(string(pub))
	return s
}

// ssh is the options of a pipeline that pins the host key.
func (s *cmdServer) ssh(key, login string, args ...string) []string {
	kh := filepath.Join(s.dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(s.knownHosts+"\n"), 0o600); err != nil {
		panic(err)
	}
	return append([]string{"-F", "/dev/null", "-i", key, "-p", s.port, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + kh, "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
		login + "@127.0.0.1", "--"}, args...) // "--": ssh reads options after the destination too
}

func TestServeRunsCLICommandsOverSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and serves over SSH")
	}
	s := startCmdServer(t)
	fp := regexp.MustCompile(`CI pipeline \(ssh SHA256:[A-Za-z0-9+/]{8}\)`)

	step(t, "a write as an operator is recorded as the SSH identity; --json goes to stdout", func() {
		out, errOut, code := sshCmd(t, "", s.ssh(s.ciKey, "ci", "deploy", "start", "checkout-api", "v2.14.0", "--json")...)
		if code != 0 {
			t.Fatalf("deploy start over SSH: exit %d\n%s", code, errOut)
		}
		var d struct {
			ID        int64  `json:"id"`
			StartedBy string `json:"started_by"`
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil || d.ID != 1 || !fp.MatchString(d.StartedBy) {
			t.Errorf("deploy start --json over SSH: %v %+v\n%s", err, d, out)
		}
		// A quoted multi-word argument survives the remote split.
		out, errOut, code = sshCmd(t, "", s.ssh(s.ciKey, "ci", "incident", "open", "--sev", "3", "'checkout is slow'")...)
		if code != 0 || !strings.Contains(out, "INC-1") {
			t.Errorf("incident open: exit %d\n%s%s", code, out, errOut)
		}
		show := fdOK(t, s.db, "incident", "show", "INC-1", "--json")
		if !strings.Contains(show, `"checkout is slow"`) || !fp.MatchString(show) {
			t.Errorf("the incident over SSH is not recorded as the SSH identity with its title:\n%s", show)
		}
	})

	step(t, "a viewer may read, never write", func() {
		out, errOut, code := sshCmd(t, "", s.ssh(s.viewerKey, "vic", "incident", "ack", "INC-1")...)
		want := "flightdeck: incident ack records an action, and Vic Viewer is a viewer"
		if code != exitNoPerm || !strings.Contains(errOut, want) || out != "" {
			t.Errorf("viewer ack: exit %d, stdout %q, stderr %q; want %d and %q", code, out, errOut, exitNoPerm, want)
		}
		out, errOut, code = sshCmd(t, "", s.ssh(s.viewerKey, "vic", "deploy", "status", "--deploy", "1")...)
		if code != 0 || !strings.Contains(out, "#1 checkout-api v2.14.0") {
			t.Errorf("viewer deploy status: exit %d\n%s%s", code, out, errOut)
		}
	})

	step(t, "flags and commands that touch the server's files are refused", func() {
		for _, c := range []struct {
			args []string
			msg  string
		}{
			{[]string{"--db", "/tmp/other.db", "deploy", "status"}, "flightdeck: --db is not accepted over SSH"},
			{[]string{"deploy", "status", "--as", "mallory"}, "flightdeck: --as is not accepted over SSH"},
			{[]string{"backup", "/tmp/copy.db"}, "flightdeck: backup is not available over SSH"},
			{[]string{"incident", "report", "INC-1", "--out", "/tmp/r.md"}, "flightdeck: --out is not accepted over SSH"},
		} {
			out, errOut, code := sshCmd(t, "", s.ssh(s.ciKey, "ci", c.args...)...)
			if code != exitUsage || !strings.Contains(errOut, c.msg) || out != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", c.args, code, out, errOut, c.msg)
			}
		}
		for _, f := range []string{"/tmp/other.db", "/tmp/copy.db", "/tmp/r.md"} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("%s was created", f)
			}
		}
	})

	step(t, "stdout, stderr, stdin and exit codes come back separately", func() {
		// A usage mistake: stderr only, exit 2, the subcommand's own help.
		out, errOut, code := sshCmd(t, "", s.ssh(s.ciKey, "ci", "deploy", "status", "extra")...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "see flightdeck deploy status --help") {
			t.Errorf("deploy status extra: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		// deploy wait: progress on stdout, the reason on stderr, 124.
		out, errOut, code = sshCmd(t, "", s.ssh(s.ciKey, "ci", "deploy", "wait", "--deploy", "1", "--timeout", "1s")...)
		if code != exitTimeout || !strings.Contains(out, "waiting for #1 checkout-api") || !strings.Contains(errOut, "timed out after 1s") {
			t.Errorf("deploy wait --timeout 1s: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		// A template piped in.
		tpl := "## Pre-Deployment\n### Checks\n- [ ] tests pass\n"
		out, errOut, code = sshCmd(t, tpl, s.ssh(s.ciKey, "ci", "template", "import", "-", "--name", "tiny")...)
		if code != 0 || !strings.Contains(out, `imported template "tiny" from stdin`) {
			t.Errorf("template import - over SSH: exit %d\n%s%s", code, out, errOut)
		}
		// With a terminal a command still runs (and its lines end in CR LF).
		out, errOut, code = sshCmd(t, "", append([]string{"-tt"}, s.ssh(s.ciKey, "ci", "version")...)...)
		if code != 0 || !strings.Contains(out, "schema:") || !strings.Contains(out, "\r\n") {
			t.Errorf("ssh -tt version: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})

	step(t, "a client that goes away ends its command", func() {
		cmd := exec.Command("ssh", s.ssh(s.ciKey, "ci", "deploy", "wait", "--deploy", "1")...)
		var out lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(out.String(), "waiting for #1") {
			if time.Now().After(deadline) {
				t.Fatalf("deploy wait over SSH did not start: %q", out.String())
			}
			time.Sleep(50 * time.Millisecond) // polling interval
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log := filepath.Join(s.dir, "flightdeck-debug.log")
		for {
			b, _ := os.ReadFile(log)
			if regexp.MustCompile(`command ci from \S+: exit 130 after .*: deploy wait --deploy 1`).Match(b) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the server's deploy wait did not end when its client was killed:\n%s", b)
			}
			time.Sleep(100 * time.Millisecond) // polling interval
		}
	})

	step(t, "a key that is not authorized runs nothing", func() {
		out, errOut, code := sshCmd(t, "", s.ssh(s.strangerK, "ci", "deploy", "start", "evil", "v1")...)
		if code == 0 || !strings.Contains(errOut, "Permission denied (publickey)") || out != "" {
			t.Errorf("unknown key: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		if strings.Contains(fdOK(t, s.db, "history"), "evil") {
			t.Error("an unauthorized key started a deployment")
		}
	})
}

// ciScript is one shell script a CI job runs and the environment the CI
// system would give it.
type ciScript struct {
	name, script string
	env          map[string]string
}

// githubScripts are the run: steps of the GitHub Actions job, each with
// the job's and the step's env (${{ secrets.X }} and ${{ vars.X }} resolved
// from values).
func githubScripts(t *testing.T, src []byte, values map[string]string) []ciScript {
	t.Helper()
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			RunsOn string            `yaml:"runs-on"`
			Env    map[string]string `yaml:"env"`
			Steps  []struct {
				Name  string            `yaml:"name"`
				Uses  string            `yaml:"uses"`
				Shell string            `yaml:"shell"`
				Env   map[string]string `yaml:"env"`
				Run   string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(src, &wf); err != nil {
		t.Fatalf("the GitHub Actions job does not parse: %v", err)
	}
	job, ok := wf.Jobs["deploy"]
	if !ok || job.RunsOn == "" || wf.On == nil {
		t.Fatalf("the GitHub Actions workflow has no deploy job with runs-on and on: %+v", wf)
	}
	expr := regexp.MustCompile(`\$\{\{\s*(?:secrets|vars)\.(\w+)\s*\}\}`)
	var out []ciScript
	for _, st := range job.Steps {
		if st.Run == "" {
			continue // uses: actions/checkout — the test's working directory is the checkout
		}
		env := map[string]string{}
		for k, v := range job.Env {
			env[k] = v
		}
		for k, v := range st.Env {
			env[k] = expr.ReplaceAllStringFunc(v, func(m string) string { return values[expr.FindStringSubmatch(m)[1]] })
		}
		out = append(out, ciScript{name: "github: " + st.Name, script: st.Run, env: env})
	}
	return out
}

// gitlabScript is the deploy job's before_script and script as one shell
// session (as GitLab runs them), without the package installation.
func gitlabScript(t *testing.T, src []byte) ciScript {
	t.Helper()
	var ci map[string]struct {
		Image        string            `yaml:"image"`
		Variables    map[string]string `yaml:"variables"`
		BeforeScript []string          `yaml:"before_script"`
		Script       []string          `yaml:"script"`
	}
	if err := yaml.Unmarshal(src, &ci); err != nil {
		t.Fatalf("the GitLab CI job does not parse: %v", err)
	}
	job, ok := ci["deploy"]
	if !ok || job.Image == "" || len(job.Script) == 0 {
		t.Fatalf("the GitLab CI file has no deploy job with an image and a script: %+v", ci)
	}
	var lines []string
	for _, l := range append(job.BeforeScript, job.Script...) {
		if strings.HasPrefix(l, "apt-get ") {
			continue // the test machine has ssh and jq
		}
		lines = append(lines, l)
	}
	return ciScript{name: "gitlab", script: strings.Join(lines, "\n") + "\n", env: job.Variables}
}

// The CI jobs the README documents, parsed from their YAML and run as
// written against a test server (host and port substituted): each starts
// a deployment as the ci login, promotes it, and deploy wait returns 0 once
// the people at the dashboard (here: the test) have taken it to the end.
func TestCIJobsDriveADeploymentOverSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and serves over SSH")
	}
	for _, tool := range []string{"jq", "git", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "%s is not installed (.ci/run installs it)", tool)
		}
	}
	s := startCmdServer(t)
	repo := newGitRepo(t)
	sha := repo.commit(time.Date(2026, 11, 30, 9, 12, 0, 0, time.UTC), "the change")
	keyPEM, err := os.ReadFile(s.ciKey)
	if err != nil {
		t.Fatal(err)
	}
	gh, err := os.ReadFile("../../testdata/ci/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	gl, err := os.ReadFile("../../testdata/ci/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	jobs := [][]ciScript{
		githubScripts(t, gh, map[string]string{"FLIGHTDECK_SSH_KEY": string(keyPEM), "FLIGHTDECK_KNOWN_HOSTS": s.knownHosts}),
		{gitlabScript(t, gl)},
	}
	// Job 2 ships three more commits, committed at known times.
	later := []time.Time{time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 14, 30, 0, 0, time.UTC),
		time.Date(2026, 11, 30, 16, 45, 0, 0, time.UTC)}
	committed := []time.Time{time.Date(2026, 11, 30, 9, 12, 0, 0, time.UTC)}
	for n, job := range jobs {
		if n == 1 {
			for i, at := range later {
				sha = repo.commit(at, fmt.Sprintf("change %d", i+2))
			}
			committed = append(committed, later...)
		}
		home := t.TempDir()
		base := map[string]string{
			"HOME": home, "FLIGHTDECK_HOST": "127.0.0.1", "FLIGHTDECK_PORT": s.port,
			"GITHUB_SHA": sha, "GITHUB_RUN_ID": "4242",
			"CI_COMMIT_SHA": sha, "CI_COMMIT_SHORT_SHA": sha[:8], "CI_COMMIT_TIMESTAMP": "2026-11-30T09:12:00+00:00", "CI_PIPELINE_ID": "77",
			"FLIGHTDECK_SSH_KEY": s.ciKey, "FLIGHTDECK_KNOWN_HOSTS": s.knownHosts, // GitLab: a File variable is a path
		}
		id := int64(n + 1) // each job starts the next deployment
		for _, sc := range job {
			env := os.Environ()
			for k, v := range base {
				env = append(env, k+"="+v)
			}
			for k, v := range sc.env {
				if k == "FLIGHTDECK_HOST" || k == "FLIGHTDECK_PORT" {
					continue // the test server's, not the example's
				}
				env = append(env, k+"="+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", sc.script)
			cmd.Dir, cmd.Env = repo.dir, env
			var out lockedBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if strings.Contains(sc.script, "deploy wait") {
				driveToCompletion(t, s.db, id, done)
			}
			err := <-done
			cancel()
			if err != nil {
				t.Fatalf("%s failed: %v\n--- script\n%s--- output\n%s", sc.name, err, sc.script, out.String())
			}
			t.Logf("%s:\n%s", sc.name, out.String())
		}
		hist := fdOK(t, s.db, "history", "show", fmt.Sprint(id), "--json")
		for _, want := range []string{`"status": "completed"`, sha} {
			if !strings.Contains(hist, want) {
				t.Errorf("job %d: deployment #%d lacks %s:\n%s", n+1, id, want, hist)
			}
		}
		if !regexp.MustCompile(`"started_by": "CI pipeline \(ssh SHA256:`).MatchString(hist) {
			t.Errorf("job %d: deployment #%d is not started by the ci login's identity:\n%s", n+1, id, hist)
		}
	}
	// Lead time per commit, from those commits: #1 ships its one commit (a
	// first deployment), #2 the three since. Each sample is commit → its
	// deployment's completion; the median of four is the mean of the middle two.
	var finished []time.Time
	for id := 1; id <= 2; id++ {
		var det struct {
			Deployment struct {
				FinishedAt time.Time `json:"finished_at"`
			} `json:"deployment"`
			Commits []struct{} `json:"commits"`
		}
		if err := json.Unmarshal([]byte(fdOK(t, s.db, "history", "show", fmt.Sprint(id), "--json")), &det); err != nil {
			t.Fatal(err)
		}
		if want := []int{1, 3}[id-1]; len(det.Commits) != want {
			t.Errorf("deployment #%d ships %d commits, want %d", id, len(det.Commits), want)
		}
		finished = append(finished, det.Deployment.FinishedAt)
	}
	var samples []time.Duration
	samples = append(samples, finished[0].Sub(committed[0]))
	for _, c := range committed[1:] {
		samples = append(samples, finished[1].Sub(c))
	}
	slices.Sort(samples)
	want := (samples[1] + samples[2]) / 2
	var m struct {
		LeadTime struct {
			Unit          string   `json:"unit"`
			Changes       int      `json:"changes"`
			Deployments   int      `json:"deployments"`
			MedianSeconds *float64 `json:"median_seconds"`
		} `json:"lead_time"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, s.db, "metrics", "--json")), &m); err != nil {
		t.Fatal(err)
	}
	lt := m.LeadTime
	if lt.Unit != "commit" || lt.Changes != 4 || lt.Deployments != 2 || lt.MedianSeconds == nil ||
		math.Abs(*lt.MedianSeconds-want.Seconds()) > 1 {
		t.Errorf("metrics lead_time = %+v (median %v), want per commit, 4 changes in 2 deployments, median %s", lt, lt.MedianSeconds, want)
	}
}

// Write makes lockedBuffer an io.Writer for a process's output.
func (l *lockedBuffer) Write(p []byte) (int, error) { l.add(string(p)); return len(p), nil }

// driveToCompletion is the people at the dashboard: once the pipeline has
// made deployment id live, promote it stage by stage and finish it, while
// the pipeline's deploy wait blocks. It returns early if the pipeline ends.
func driveToCompletion(t *testing.T, db string, id int64, pipeline <-chan error) {
	t.Helper()
	deploy := fmt.Sprint(id)
	deadline := time.Now().Add(2 * time.Minute)
	try := func(args ...string) bool {
		for time.Now().Before(deadline) {
			select {
			case err := <-pipeline:
				t.Fatalf("the pipeline ended before the deployment was driven to the end (%v): flightdeck %v", err, args)
			default:
			}
			if code, _, _ := fd(t, db, args...); code == exitOK {
				return true
			}
			time.Sleep(200 * time.Millisecond) // polling interval
		}
		t.Fatalf("flightdeck %v never succeeded", args)
		return false
	}
	// Until the pipeline's deploy live: the canary takes traffic.
	for {
		select {
		case err := <-pipeline:
			t.Fatalf("the pipeline ended before its deployment #%d went live: %v", id, err)
		default:
		}
		if code, out, _ := fd(t, db, "deploy", "status", "--deploy", deploy, "--json"); code == exitOK {
			var st struct {
				Rollout *struct {
					LiveAt *string `json:"live_at"`
				} `json:"rollout"`
			}
			if json.Unmarshal([]byte(out), &st) == nil && st.Rollout != nil && st.Rollout.LiveAt != nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("deployment #%d never went live", id)
		}
		time.Sleep(200 * time.Millisecond) // polling interval
	}
	for _, stage := range []string{"25%", "50%", "100%"} {
		try("deploy", "promote", "--deploy", deploy, "--to", stage, "--reason", "watched the dashboard")
	}
	try("deploy", "finish", "--deploy", deploy, "--reason", "watched the dashboard")
}
