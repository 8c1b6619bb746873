package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// TestCommandSenderEnvAndNoShell: the notice reaches the command only in
// its environment; a title written to look like shell is never run.
func TestCommandSenderEnvAndNoShell(t *testing.T) {
	dir := t.TempDir()
	cmd := script(t, `cd "`+dir+`" || exit 9
env > "env.$FLIGHTDECK_EVENT"
echo "$FLIGHTDECK_EVENT $FLIGHTDECK_KEY" >> runs`)
	s := notifyStore(t, newDB(t), data.Options{})
	title := "checkout $(touch pwned) `touch pwned2`; touch pwned3"
	inc := openIncident(t, s, title, model.SEV1, time.Now().Add(-time.Minute))

	n := quick(&Notifier{Store: s, Senders: []config.Sender{cmdSender("command", []string{cmd}, 5*time.Second)}})
	failed, err := n.Once(context.Background())
	if err != nil || failed != 0 {
		t.Fatalf("Once: %d failed, %v", failed, err)
	}
	env := readEnv(t, filepath.Join(dir, "env.incident_opened"))
	want := map[string]string{
		"FLIGHTDECK_EVENT": "incident_opened", "FLIGHTDECK_INCIDENT": inc.Ref(), "FLIGHTDECK_SEVERITY": "SEV1",
		"FLIGHTDECK_TITLE": title, "FLIGHTDECK_STATUS": "open", "FLIGHTDECK_ACTOR": "alice",
		"FLIGHTDECK_DEPLOYMENT": "", "FLIGHTDECK_STAGE": "", "FLIGHTDECK_DB": data.ScriptDSN(s.DSN()),
		"FLIGHTDECK_AT": inc.OpenedAt.UTC().Format(time.RFC3339),
	}
	// The same database, its password (if the DSN holds one) where libpq
	// looks, never inside FLIGHTDECK_DB, which scripts print.
	if pw := data.DSNPassword(s.DSN()); pw != "" {
		want["PGPASSWORD"] = pw
		if strings.Contains(env["FLIGHTDECK_DB"], pw) {
			t.Errorf("FLIGHTDECK_DB holds the password")
		}
	}
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("%s = %q (set %v), want %q", k, got, ok, v)
		}
	}
	if !strings.HasPrefix(env["FLIGHTDECK_MESSAGE"], "INC-1 SEV1 “"+title+"”: opened SEV1") {
		t.Errorf("message = %q", env["FLIGHTDECK_MESSAGE"])
	}
	// The first step is due at the opening: recorded, then delivered after.
	esc := readEnv(t, filepath.Join(dir, "env.escalation_due"))
	if esc["FLIGHTDECK_STEP"] != "1" || esc["FLIGHTDECK_ROLE"] != model.RoleOnCall ||
		esc["FLIGHTDECK_DUE"] != inc.OpenedAt.UTC().Format(time.RFC3339) || esc["FLIGHTDECK_INCIDENT"] != "INC-1" {
		t.Errorf("escalation_due env = %v", esc)
	}
	for _, f := range []string{"pwned", "pwned2", "pwned3"} {
		for _, d := range []string{dir, ".", filepath.Dir(cmd)} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				t.Fatalf("%s was created in %s: the title was run by a shell", f, d)
			}
		}
	}
	runs := lines(t, filepath.Join(dir, "runs"))
	// A SEV1 starts the change freeze (written with the opening).
	if len(runs) != 3 || !strings.HasPrefix(runs[0], "incident_opened incident_opened:INC-1:") ||
		!strings.HasPrefix(runs[1], "freeze_on freeze_on:INC-1:") || !strings.HasPrefix(runs[2], "escalation_due escalation_due:1:1:") {
		t.Errorf("runs = %q, want incident_opened, freeze_on, escalation_due", runs)
	}
	if due := eventsOf(t, s, model.EventEscalationDue); len(due) != 1 || due[0].IncidentID != inc.ID || due[0].Severity != model.SEV1 ||
		!due[0].At.Equal(model.ShownAt(inc.OpenedAt)) || !strings.Contains(due[0].Text, "escalation step 1 due at") {
		t.Errorf("escalation_due events = %+v", due)
	}
	// Exactly once: the next pass finds nothing new.
	if _, err := n.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := lines(t, filepath.Join(dir, "runs")); len(got) != 3 {
		t.Errorf("ran %d times, want 3: %q", len(got), got)
	}
	if o := outbox(t, s, "command"); o.Delivered != 3 || o.Failing() || o.Owner != "" {
		t.Errorf("outbox = %+v: want 3 delivered, healthy, released", o)
	}
	if len(eventsOf(t, s, model.EventNotifySent)) != 0 {
		t.Errorf("a delivery wrote notify.sent: successes are counted in the outbox, not the timeline")
	}
}

// TestOutboxRoutesByKindAndSeverity: each sender gets what it routes.
func TestOutboxRoutesByKindAndSeverity(t *testing.T) {
	dir := t.TempDir()
	s := notifyStore(t, newDB(t), data.Options{})
	ctx := context.Background()
	at := time.Now().Add(-10 * time.Second)
	d := startRunning(t, s, "api", model.StrategyCanary, at)
	sev1 := openIncident(t, s, "big", model.SEV1, at)
	openIncident(t, s, "small", model.SEV3, at)
	rec := func(name string) string {
		return script(t, `echo "$FLIGHTDECK_EVENT $FLIGHTDECK_INCIDENT $FLIGHTDECK_DEPLOYMENT" >> "`+dir+`/`+name+`"`)
	}
	pager := cmdSender("pager", []string{rec("pager")}, 5*time.Second, model.NoticePaging...)
	pager.Severities = map[model.Severity]bool{model.SEV1: true, model.SEV2: true}
	deploys := cmdSender("deploys", []string{rec("deploys")}, 5*time.Second, model.NoticeDeploymentStarted, model.NoticeExecutionStarted)
	n := quick(&Notifier{Store: s, Senders: []config.Sender{pager, deploys}})
	if failed, err := n.Once(ctx); err != nil || failed != 0 {
		t.Fatalf("Once: %d %v", failed, err)
	}
	if err := s.AckStep(ctx, sev1.ID, model.IncidentSeen{}, 1, "", "bob", time.Now()); err != nil {
		t.Fatal(err)
	}
	if failed, err := n.Once(ctx); err != nil || failed != 0 {
		t.Fatalf("Once: %d %v", failed, err)
	}
	if got := lines(t, filepath.Join(dir, "pager")); fmt.Sprint(got) != "[incident_opened INC-1  escalation_due INC-1  incident_acknowledged INC-1]" {
		t.Errorf("pager got %q: want the SEV1's open, due and ack, not the SEV3", got)
	}
	want := fmt.Sprintf("[deployment_started  %d execution_started  %d]", d.ID, d.ID)
	if got := lines(t, filepath.Join(dir, "deploys")); fmt.Sprint(got) != want {
		t.Errorf("deploys got %q, want %s", got, want)
	}
}

// TestOutboxFailureIsAStateNotAStream: a failing sender writes notify.failed
// once, counts what it gives up, and notify.recovered when it works again.
func TestOutboxFailureIsAStateNotAStream(t *testing.T) {
	dir := t.TempDir()
	s := notifyStore(t, newDB(t), data.Options{})
	ctx := context.Background()
	at := time.Now().Add(-time.Minute)
	for i := range 3 {
		openIncident(t, s, fmt.Sprintf("inc %d", i+1), model.SEV3, at)
	}
	// A program that does not exist is permanent: given up at once.
	missing := cmdSender("ops", []string{filepath.Join(dir, "no-such-notifier")}, 5*time.Second, model.NoticeIncidentOpened)
	n := quick(&Notifier{Store: s, Senders: []config.Sender{missing}})
	if failed, err := n.Once(ctx); err != nil || failed != 3 {
		t.Fatalf("Once: %d failed (want 3), %v", failed, err)
	}
	fails := eventsOf(t, s, model.EventNotifyFailed)
	if len(fails) != 1 || !strings.Contains(fails[0].Text, "ops (incident_opened INC-1)") ||
		!strings.Contains(fails[0].Text, "could not start") || !strings.Contains(fails[0].Text, "not retried") || fails[0].IncidentID != 1 {
		t.Fatalf("notify.failed = %+v, want one for the first notice", fails)
	}
	if o := outbox(t, s, "ops"); !o.Failing() || o.Lost != 3 || !strings.Contains(o.LastError, "could not start") {
		t.Errorf("outbox = %+v", o)
	}
	// A non-zero exit is retried on the same notice: order holds, and the
	// next notice waits.
	flaky := script(t, `n=$(cat "`+dir+`/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "`+dir+`/count"
[ $n -le 2 ] && { echo "curl: (7) Failed to connect" >&2; exit 7; }
echo "$FLIGHTDECK_INCIDENT" >> "`+dir+`/sent"`)
	openIncident(t, s, "inc 4", model.SEV3, at)
	openIncident(t, s, "inc 5", model.SEV3, at)
	ops := cmdSender("ops", []string{flaky}, 5*time.Second, model.NoticeIncidentOpened)
	n = quick(&Notifier{Store: s, Senders: []config.Sender{ops}, OnceAttempts: 5})
	if failed, err := n.Once(ctx); err != nil || failed != 0 {
		t.Fatalf("Once: %d failed, %v", failed, err)
	}
	if got := lines(t, filepath.Join(dir, "sent")); fmt.Sprint(got) != "[INC-4 INC-5]" {
		t.Errorf("sent %q, want INC-4 then INC-5", got)
	}
	if got := len(eventsOf(t, s, model.EventNotifyFailed)); got != 1 {
		t.Errorf("%d notify.failed events: retries of a failing spell must not add more", got)
	}
	rec := eventsOf(t, s, model.EventNotifyRecovered)
	if len(rec) != 1 || !strings.Contains(rec[0].Text, "notifications to ops delivered again") || !strings.Contains(rec[0].Text, "3 notices not delivered") {
		t.Errorf("notify.recovered = %+v", rec)
	}
	if o := outbox(t, s, "ops"); o.Failing() || o.Lost != 0 || o.Delivered != 2 {
		t.Errorf("outbox after recovery = %+v", o)
	}
}

// TestOutboxOnceLeavesARetryableNoticeForLater: notify --once gives up
// after its attempts but does not skip the notice: the next run sends it.
func TestOutboxOnceLeavesARetryableNoticeForLater(t *testing.T) {
	dir := t.TempDir()
	s := notifyStore(t, newDB(t), data.Options{})
	openIncident(t, s, "x", model.SEV2, time.Now())
	down := cmdSender("chat", []string{script(t, "echo 'HTTP 503' >&2; exit 22")}, 5*time.Second, model.NoticeIncidentOpened)
	if failed, _ := quick(&Notifier{Store: s, Senders: []config.Sender{down}}).Once(context.Background()); failed != 1 {
		t.Fatalf("failed = %d, want 1", failed)
	}
	up := cmdSender("chat", []string{script(t, `echo "$FLIGHTDECK_EVENT" >> "`+dir+`/sent"`)}, 5*time.Second, model.NoticeIncidentOpened)
	if failed, err := quick(&Notifier{Store: s, Senders: []config.Sender{up}}).Once(context.Background()); failed != 0 || err != nil {
		t.Fatalf("Once: %d %v", failed, err)
	}
	if got := lines(t, filepath.Join(dir, "sent")); fmt.Sprint(got) != "[incident_opened]" {
		t.Errorf("sent %q: the notice --once could not deliver was lost", got)
	}
}

// TestOutboxExactlyOnceAcrossStores: notifiers on two Store handles of one
// file (two dashboards) race; each notice reaches the sender once, in
// timeline order.
func TestOutboxExactlyOnceAcrossStores(t *testing.T) {
	dir := t.TempDir()
	cmd := script(t, `echo "$FLIGHTDECK_KEY" >> "`+dir+`/runs"`)
	db := newDB(t)
	s1 := notifyStore(t, db, data.Options{})
	s2 := notifyStore(t, db, data.Options{})
	now := time.Now()
	// The sender has been configured for hours (a sender seen for the first
	// time starts at the last data.OutboxStart of the timeline).
	if _, _, err := s1.LeaseOutbox(context.Background(), "command", "earlier", now.Add(-3*time.Hour), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		inc := openIncident(t, s1, fmt.Sprintf("incident %d", i), model.SEV1, now.Add(-time.Hour))
		if err := s1.SetSecurity(context.Background(), inc.ID, true, "alice", now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// 5 × (opened, security flag not routed, 4 escalation steps due).
	const want = 5 * (1 + 4)
	c := cmdSender("command", []string{cmd}, 5*time.Second, model.NoticeIncidentOpened, model.NoticeEscalationDue)
	for round := range 3 {
		var wg sync.WaitGroup
		for _, s := range []*data.Store{s1, s2, s1, s2} {
			wg.Go(func() {
				if _, err := quick(&Notifier{Store: s, Senders: []config.Sender{c}}).Once(context.Background()); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			})
		}
		wg.Wait()
	}
	runs := lines(t, filepath.Join(dir, "runs"))
	seen := map[string]bool{}
	for _, l := range runs {
		if seen[l] {
			t.Errorf("delivered twice: %s", l)
		}
		seen[l] = true
	}
	if len(runs) != want {
		t.Errorf("%d deliveries, want %d:\n%s", len(runs), want, strings.Join(runs, "\n"))
	}
	// Timeline order: every incident's opening comes before its steps.
	pos := map[string]int{}
	for i, l := range runs {
		pos[l] = i
	}
	for _, e := range allEvents(t, s1) {
		if e.Kind == model.EventIncidentOpened {
			key := fmt.Sprintf("incident_opened:INC-%d:%d", e.IncidentID, e.ID)
			if _, ok := pos[key]; !ok {
				t.Errorf("%s not delivered", key)
			}
		}
	}
}

// TestRunWakesAtTheDeadline: nobody writes when a step becomes due; the
// running notifier wakes by the clock, records it, and delivers it.
func TestRunWakesAtTheDeadline(t *testing.T) {
	dir := t.TempDir()
	cmd := script(t, `echo "$FLIGHTDECK_STEP $FLIGHTDECK_ROLE" >> "`+dir+`/runs"`)
	pol := model.EscalationPolicy{Steps: []model.EscalationStep{
		{Number: 1, Role: "Pager", Trigger: model.TriggerAtOpen, Delay: 1500 * time.Millisecond},
	}}
	s := notifyStore(t, newDB(t), data.Options{Policy: pol})
	openIncident(t, s, "slow", model.SEV3, time.Now())
	n := &Notifier{Store: s, Policy: pol, Senders: []config.Sender{cmdSender("command", []string{cmd}, 5*time.Second, model.NoticeEscalationDue)}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, 10*time.Second, "the step to be delivered", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "runs"))
		return string(b) == "1 Pager\n"
	})
}

// TestQuitLeavesTheNoticeForTheNextProcess: a delivery interrupted because
// the process quits moves nothing; the next process delivers it at once
// (the lease is released, not left to run out).
func TestQuitLeavesTheNoticeForTheNextProcess(t *testing.T) {
	s := notifyStore(t, newDB(t), data.Options{})
	openIncident(t, s, "x", model.SEV4, time.Now())
	dir := t.TempDir()
	hang := script(t, "touch "+dir+"/started; sleep 60")
	n := &Notifier{Store: s, Senders: []config.Sender{cmdSender("command", []string{hang}, time.Minute, model.NoticeIncidentOpened)}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	eventually(t, 10*time.Second, "the command to start", func() bool { _, err := os.Stat(dir + "/started"); return err == nil })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if evs := eventsOf(t, s, model.EventNotifyFailed); len(evs) != 0 {
		t.Errorf("an interrupted delivery was recorded as failed: %+v", evs)
	}
	ok := script(t, `echo "$FLIGHTDECK_EVENT" >> `+dir+`/sent`)
	if _, err := quick(&Notifier{Store: s, Senders: []config.Sender{cmdSender("command", []string{ok}, 5*time.Second, model.NoticeIncidentOpened)}}).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := lines(t, dir+"/sent"); fmt.Sprint(got) != "[incident_opened]" {
		t.Errorf("the next process sent %q", got)
	}
}

// TestDeadlinesDue: the clock-made moments, with sub-second times.
func TestDeadlinesDue(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 30, 0, 400_000_000, time.UTC)
	pol := model.EscalationPolicy{Steps: []model.EscalationStep{
		{Number: 1, Role: "On-call", Trigger: model.TriggerAtOpen},
		{Number: 2, Role: "Lead", Person: "Sam", Trigger: model.TriggerAtOpen, Delay: 15 * time.Minute},
	}}
	upd := model.UpdatePolicy{SEV1: 30 * time.Minute, SEV2: time.Hour}
	inc := model.Incident{ID: 3, Title: "x", Severity: model.SEV1, Status: model.IncidentOpen, OpenedAt: t0,
		SeverityHistory: []model.SeverityChange{{To: model.SEV1, At: t0}}}
	for _, tc := range []struct {
		name     string
		now      time.Time
		inc      model.Incident
		want     []string
		wantNext time.Time
	}{
		// Deadlines are reached from the second they are shown as (the
		// clock rule), and the notifier wakes at that second.
		{"at the opening", t0, inc, []string{"escalation_due:3:1:"}, model.ShownAt(t0.Add(15 * time.Minute))},
		{"a second before step 2", t0.Add(15*time.Minute - time.Second), inc, []string{"escalation_due:3:1:"}, model.ShownAt(t0.Add(15 * time.Minute))},
		{"in step 2's second, 1ms before its instant", t0.Add(15*time.Minute - time.Millisecond), inc, []string{"escalation_due:3:1:", "escalation_due:3:2:"},
			model.ShownAt(t0.Add(30 * time.Minute))},
		{"update due", t0.Add(30 * time.Minute), inc, []string{"escalation_due:3:1:", "escalation_due:3:2:", "update_due:3:"},
			model.ShownAt(t0.Add(35 * time.Minute))},
		{"update overdue", t0.Add(35*time.Minute + 100*time.Millisecond), inc,
			[]string{"escalation_due:3:1:", "escalation_due:3:2:", "update_due:3:", "update_overdue:3:"}, time.Time{}},
		{"resolved", t0.Add(time.Hour), func() model.Incident { i := inc; i.Status = model.IncidentResolved; return i }(), nil, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, next := deadlinesDue([]model.Incident{tc.inc}, pol, upd, tc.now)
			var keys []string
			for _, d := range got {
				k := d.key
				k = k[:strings.LastIndex(k, ":")+1]
				keys = append(keys, k)
				if d.ev.At.After(tc.now) {
					t.Errorf("%s dated %s, after now", d.key, d.ev.At)
				}
			}
			if fmt.Sprint(keys) != fmt.Sprint(tc.want) {
				t.Errorf("keys = %v, want %v", keys, tc.want)
			}
			if !next.Equal(tc.wantNext) {
				t.Errorf("next = %s, want %s", next, tc.wantNext)
			}
		})
	}
	// The overdue text says for how long.
	got, _ := deadlinesDue([]model.Incident{inc}, pol, upd, t0.Add(40*time.Minute))
	last := got[len(got)-1].ev
	if last.Kind != model.EventUpdateOverdue || last.Text != "stakeholder update OVERDUE: due at 10:00:00 UTC, none posted for 5m" ||
		!last.At.Equal(model.ShownAt(t0.Add(35*time.Minute))) {
		t.Errorf("overdue event = %+v", last)
	}
}

// TestNoticeFromEvents: the notice of each kind of event, with its fields.
func TestNoticeFromEvents(t *testing.T) {
	s := notifyStore(t, newDB(t), data.Options{})
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 30, 0, 250_000_000, time.UTC)
	d := startRunning(t, s, "checkout-api", model.StrategyCanary, at)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "5xx on checkout", Severity: model.SEV1, DeploymentID: d.ID}, "alice", at.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PostUpdate(ctx, inc.ID, model.IncidentSeen{}, model.StakeholderUpdate{Conditions: "errors at 9%", Actions: "rolling back", Needs: "DBA"}, "alice", at.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Abort(ctx, d.ID, model.RolloutSeen{}, "error rate 9% on canary", "alice", at.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	b := newNoticeBuilder(s)
	byKind := map[model.NoticeKind]model.Notice{}
	for _, e := range allEvents(t, s) {
		n, ok, err := b.build(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			byKind[n.Kind] = n
		}
	}
	op := byKind[model.NoticeIncidentOpened]
	if op.Incident == nil || op.Incident.Ref != "INC-1" || op.Severity != model.SEV1 || op.Deployment == nil ||
		op.Deployment.Service != "checkout-api" || op.Key != fmt.Sprintf("incident_opened:INC-1:%d", op.EventID) {
		t.Errorf("incident_opened = %+v", op)
	}
	up := byKind[model.NoticeUpdatePosted]
	if up.Update == nil || *up.Update != (model.StakeholderUpdate{Conditions: "errors at 9%", Actions: "rolling back", Needs: "DBA"}) {
		t.Errorf("update_posted = %+v", up)
	}
	ab := byKind[model.NoticeRolloutAborted]
	if ab.Reason != "error rate 9% on canary" || ab.Deployment == nil || ab.Deployment.ID != d.ID ||
		!strings.HasPrefix(ab.Summary, fmt.Sprintf("#%d checkout-api v1 (production): aborted the rollout at", d.ID)) {
		t.Errorf("rollout_aborted = %+v", ab)
	}
	if _, err := s.Incident(ctx, 99); !errors.Is(err, data.ErrNotFound) {
		t.Fatal(err)
	}
}

// TestPostmortemMeetingIsNotified: scheduling the postmortem meeting is a
// notice (postmortem_scheduled) the incident channel gets.
func TestPostmortemMeetingIsNotified(t *testing.T) {
	dir := t.TempDir()
	s := notifyStore(t, newDB(t), data.Options{})
	ctx := context.Background()
	now := time.Now()
	inc := openIncident(t, s, "checkout 5xx", model.SEV1, now.Add(-time.Hour))
	if err := s.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "bad flag", "alice", now.Add(-30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScheduleMeeting(ctx, inc.ID, now.Add(26*time.Hour), "dana", "alice", now); err != nil {
		t.Fatal(err)
	}
	cmd := script(t, `echo "$FLIGHTDECK_EVENT $FLIGHTDECK_INCIDENT" >> "`+dir+`/runs"`)
	if failed, err := quick(&Notifier{Store: s, Senders: []config.Sender{cmdSender("chat", []string{cmd}, 5*time.Second, model.NoticeIncidentChannel...)}}).Once(ctx); err != nil || failed != 0 {
		t.Fatalf("Once: %d %v", failed, err)
	}
	got := lines(t, filepath.Join(dir, "runs"))
	if !slices.Contains(got, "postmortem_scheduled INC-1") {
		t.Errorf("deliveries %q lack postmortem_scheduled INC-1", got)
	}
}
