package model

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
	"time"
)

// TestEventText pins every event sentence: the store's history and the
// demo's are made of these, so a change here is a change of the timeline.
// Times carry sub-second offsets and other zones: texts print UTC wall-clock
// times truncated to the second (to the minute for due times), and
// countdowns rounded up.
func TestEventText(t *testing.T) {
	sub := t0.Add(999 * time.Millisecond) // 14:02:00.999
	cet := time.FixedZone("CET", 3600)
	const canary1, canary2 = "1/4 · 5%", "2/4 · 25%"
	title := "api v1.2 → production"

	opened := Incident{ID: 3, Severity: SEV2, Status: IncidentOpen, OpenedAt: sub}
	minor := Incident{ID: 4, Severity: SEV3, Status: IncidentOpen, OpenedAt: t0}
	raised, err := minor.SetSeverity(SEV2, "bob", t0.Add(40*time.Minute+30*time.Second+500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	flagged, err := minor.SetSecurity(true, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sev1 := Incident{ID: 5, Severity: SEV1, Status: IncidentOpen, OpenedAt: t0}
	skipped := sev1
	skipped.Escalations = []ManualEscalation{{Kind: ManualSkipTo, Step: 3, At: t0.Add(time.Minute), By: "bob", Reason: "on a plane"}}
	p := DefaultPolicy()

	cases := []struct {
		name, got, want string
	}{
		// Deployments and checklists.
		{"deploy started", TextDeployStarted(title, StrategyCanary), "started api v1.2 → production (canary)"},
		{"execution", TextExecutionStarted(), "started Deployment Execution"},
		{"gate override", TextGateOverride(1, ""), "started Deployment Execution with 1 Pre-Deployment item open (override)"},
		{"gate override reason", TextGateOverride(3, "hotfix, approved"),
			"started Deployment Execution with 3 Pre-Deployment items open (override: hotfix, approved)"},
		{"done", TextItemDone("Run smoke tests", time.Time{}), `checked "Run smoke tests"`},
		{"done watch", TextItemDone(StabilityItemText, sub),
			`checked "Verify previous version is running correctly" — stability watch started (15 min), ends 14:17:00 UTC`},
		{"done watch zone", TextItemDone("x", sub.In(cet)), `checked "x" — stability watch started (15 min), ends 14:17:00 UTC`},
		{"n/a", TextItemNA("Migrations tested", "no schema change"), `marked "Migrations tested" n/a: no schema change`},
		{"n/a quoted", TextItemNA(`Say "hi"`, "no"), `marked "Say \"hi\"" n/a: no`},
		{"reopened", TextItemReopened("Run smoke tests"), `reopened "Run smoke tests"`},
		{"note", TextItemNote("Run smoke tests", "42/42 green"), `note on "Run smoke tests": 42/42 green`},
		{"note cleared", TextItemNote("Run smoke tests", ""), `cleared note on "Run smoke tests"`},
		{"hotfix", TextHotfixMarked(42, title, 7, 0), "marked #42 api v1.2 → production as the hotfix for INC-7"},
		{"hotfix moved", TextHotfixMarked(42, title, 7, 3), "marked #42 api v1.2 → production as the hotfix for INC-7 (was INC-3)"},
		{"hotfix cleared", TextHotfixUnmarked(42, title, 7), "#42 api v1.2 → production is no longer marked as the hotfix for INC-7"},
		{"template", TextTemplateImported("octo", 3, 1), `imported template "octo": 3 phases, 1 item`},
		{"template replaced", TextTemplateReplaced("octo", 1, 40, 1, "bob"),
			`replaced template "octo": 1 phase, 40 items (was 1 item, imported by bob)`},

		// Rollouts.
		{"rollout", TextRolloutStarted(StrategyCanary, canary1, DefaultSoak, sub.Add(DefaultSoak)),
			"started canary rollout at 1/4 · 5% (soak 15:00, ends 14:17:00 UTC)"},
		{"rollout zone", TextRolloutStarted(StrategyCanary, canary1, DefaultSoak, sub.Add(DefaultSoak).In(cet)),
			"started canary rollout at 1/4 · 5% (soak 15:00, ends 14:17:00 UTC)"},
		{"rollout no soak", TextRolloutStarted(StrategyAllAtOnce, "1/2 · deploy", 0, time.Time{}), "started all-at-once rollout at 1/2 · deploy"},
		{"rollout long soak", TextRolloutStarted(StrategyBlueGreen, "2/3 · keep blue", 90*time.Minute+500*time.Millisecond, sub.Add(90*time.Minute)),
			"started blue-green rollout at 2/3 · keep blue (soak 1:30:00, ends 15:32:00 UTC)"},
		{"promoted", TextPromoted(canary1, canary2, DefaultSoak, sub.Add(DefaultSoak), ""),
			"promoted 1/4 · 5% → 2/4 · 25% (soak 15:00, ends 14:17:00 UTC)"},
		{"promoted early", TextPromoted(canary1, canary2, DefaultSoak, sub.Add(DefaultSoak), " despite 05:00 of the 15:00 soak left; override: hotfix"),
			"promoted 1/4 · 5% → 2/4 · 25% despite 05:00 of the 15:00 soak left; override: hotfix (soak 15:00, ends 14:17:00 UTC)"},
		{"promoted no soak", TextPromoted("1/2 · deploy", "2/2 · verify", 0, time.Time{}, " — all green"), "promoted 1/2 · deploy → 2/2 · verify — all green"},
		{"override none", OverrideNote(StageRecord{SoakEndedAt: t0}, RolloutStatus{}, "", nil), ""},
		{"override reason only", OverrideNote(StageRecord{SoakEndedAt: t0}, RolloutStatus{}, "all green", nil), " — all green"},
		{"override soak", OverrideNote(StageRecord{Override: "hotfix"}, RolloutStatus{Remaining: 4*time.Minute + 59*time.Second + 500*time.Millisecond, Soak: DefaultSoak}, "hotfix", nil),
			" despite 04:59 of the 15:00 soak left; override: hotfix"},
		{"override criteria", OverrideNote(StageRecord{Override: "known flake", CriteriaMet: true, SoakEndedAt: t0}, RolloutStatus{Soak: DefaultSoak},
			"known flake", []string{"error rate 7.20% is 6.80 points above the 0.40% baseline", "declared: checkout broken"}),
			" despite rollback criteria met (error rate 7.20% is 6.80 points above the 0.40% baseline; declared: checkout broken); override: known flake"},
		{"override both", OverrideNote(StageRecord{Override: "x", CriteriaMet: true}, RolloutStatus{Remaining: time.Minute, Soak: DefaultSoak}, "x", []string{"a"}),
			" despite rollback criteria met (a) and 01:00 of the 15:00 soak left; override: x"},
		{"paused", TextPaused(canary2, 8*time.Minute+500*time.Millisecond), "paused 2/4 · 25% with 08:00 of the soak left"},
		{"resumed", TextResumed(canary2, 8*time.Minute, sub.In(cet)), "resumed 2/4 · 25%: 08:00 of the soak left, ends 14:02:00 UTC"},
		{"resumed served", TextResumed(canary2, 0, time.Time{}), "resumed 2/4 · 25%: soak served, ready to promote"},
		{"aborted", TextAborted(canary2, ""), "aborted the rollout at 2/4 · 25%: rolling back"},
		{"aborted reason", TextAborted(canary2, "latency on the canary"), "aborted the rollout at 2/4 · 25%: rolling back — latency on the canary"},
		{"aborted planned", TextAbortedPlanned(""), "aborted before Deployment Execution started"},
		{"aborted planned reason", TextAbortedPlanned("superseded"), "aborted before Deployment Execution started — superseded"},
		{"rolled back no watch", TextRolledBack(canary2, false, 0, ""), "rolled back from 2/4 · 25%: previous version restored; stability watch never started"},
		{"rolled back early", TextRolledBack(canary2, true, 90*time.Second+time.Millisecond, ""),
			"rolled back from 2/4 · 25%: previous version restored; stability watch had 01:30 left"},
		{"rolled back served", TextRolledBack(canary2, true, 0, "all good"),
			"rolled back from 2/4 · 25%: previous version restored; stability watch served — all good"},
		{"finished", TextFinished("4/4 · 100%", ""), "finished the rollout at 4/4 · 100%: deployment completed"},
		{"finished override", TextFinished("4/4 · 100%", " despite 00:01 of the 15:00 soak left; override: x"),
			"finished the rollout at 4/4 · 100%: deployment completed despite 00:01 of the 15:00 soak left; override: x"},
		{"ready", TextReady(canary1, DefaultSoak, false), "1/4 · 5% soak ended (15:00): ready to promote"},
		{"ready hold", TextReady(canary1, DefaultSoak, true), "1/4 · 5% soak ended (15:00), but rollback criteria are met: hold"},

		// Health.
		{"health", TextHealthRecorded("error rate 0.45% (baseline 0.42%)"), "recorded health: error rate 0.45% (baseline 0.42%)"},
		{"probe", TextHealthProbed("error rate 0.45% (baseline 0.42%)"), "probe: error rate 0.45% (baseline 0.42%)"},
		{"criteria met", TextCriteriaMet("error rate 7.2%"), "ROLLBACK CRITERIA MET: error rate 7.2%"},
		{"declared", TextCriteriaDeclared(CriterionCriticalBroken, "checkout button does nothing"),
			"declared ROLLBACK CRITERIA MET: Critical functionality is broken: checkout button does nothing"},
		{"cleared one", TextCriteriaCleared([]Criterion{CriterionCriticalBroken}, "it was the test tenant"),
			"cleared 1 declared rollback criterion as a false alarm (Critical functionality is broken): it was the test tenant"},
		{"cleared two", TextCriteriaCleared([]Criterion{CriterionSecurity, CriterionPerformance}, "scanner false positive"),
			"cleared 2 declared rollback criteria as a false alarm (Security vulnerability discovered in deployed version; " +
				"Performance degradation affects customer experience): scanner false positive"},

		// Incidents.
		{"opened", TextIncidentOpened(SEV3, "checkout returns 500s", 1, title, false, "; On-call DevOps Engineer due now"),
			`opened SEV3 "checkout returns 500s", linked to #1 api v1.2 → production; On-call DevOps Engineer due now`},
		{"opened security", TextIncidentOpened(SEV1, `"Login" broken`, 0, "", true, ""), `opened SEV1 "\"Login\" broken"; security-related`},
		{"due at open", DueNote(p, Incident{}, opened, sub), "; On-call DevOps Engineer due now, Engineering Lead due 14:17 UTC"},
		{"due at open minor", DueNote(p, Incident{}, minor, t0), "; On-call DevOps Engineer due now"},
		{"due after raise", DueNote(p, minor, raised, raised.SeverityHistory[0].At), "; Engineering Lead due 14:57 UTC"},
		{"due security", DueNote(p, minor, flagged, t0.Add(time.Minute)), "; Security Lead due now"},
		{"due nothing new", DueNote(p, minor, minor, t0.Add(time.Minute)), ""},
		{"raised", TextSeverityChanged(SEV3, SEV2, "; Engineering Lead due 14:57 UTC"), "raised severity SEV3 → SEV2; Engineering Lead due 14:57 UTC"},
		{"lowered", TextSeverityChanged(SEV1, SEV2, ""), "lowered severity SEV1 → SEV2"},
		{"incident note", TextIncidentNote("alert fired", t0, time.Time{}), "alert fired"},
		{"note in time", TextIncidentNote("alert fired", t0, t0.Add(BackdateSlack)), "alert fired"},
		{"note backdated", TextIncidentNote("alert fired", t0, t0.Add(BackdateSlack+time.Millisecond)), "alert fired (backdated: entered 14:02:10 UTC)"},
		{"note backdated sub-second", TextIncidentNote("alert fired", t0, t0.Add(3*time.Minute+7*time.Second+900*time.Millisecond).In(cet)),
			"alert fired (backdated: entered 14:05:07 UTC)"},
		{"note backdated a day", TextIncidentNote("alert fired", t0, t0.Add(19*time.Hour)), "alert fired (backdated: entered 2026-11-26 09:02:00 UTC)"},
		{"mitigated", TextMitigated(), "mitigated"},
		{"resolved", TextResolved(""), "resolved"},
		{"resolved cause", TextResolved("pool exhausted"), "resolved; root cause: pool exhausted"},
		{"incident reopened", TextReopened(""), "reopened: the mitigation did not hold"},
		{"reopened reason", TextReopened("errors are back"), "reopened: errors are back"},
		{"role named", TextRole("commander", "", "alice"), "commander: alice"},
		{"role cleared", TextRole("scribe", "bob", ""), "scribe cleared (was bob)"},
		{"role handed over", TextRole("comms", "bob", "carol"), "comms handed over: bob → carol"},
		{"update", TextStakeholderUpdate(StakeholderUpdate{Conditions: "slow checkout", Actions: "scaling out"}),
			"update: Conditions: slow checkout | Actions: scaling out | Needs: none"},
		{"security", TextSecurity(true, "; Security Lead due now"), "flagged security-related; Security Lead due now"},
		{"security cleared", TextSecurity(false, ""), "security flag cleared"},
		{"action item", TextActionItem(2, "add an alert"), "action item 2: add an alert"},
		{"root cause", TextRootCause("pool exhausted"), "root cause: pool exhausted"},
		{"root cause cleared", TextRootCause(""), "root cause cleared"},
		{"ack", TextAck(1, RoleOnCall, ""), "acknowledged step 1 (On-call DevOps Engineer)"},
		{"ack reached", TextAck(2, RoleEngLead, "sam"), "acknowledged step 2 (Engineering Lead): reached sam"},
		{"escalated", TextEscalatedNow(2, RoleEngLead, "customer impact growing"), "escalated now to step 2 (Engineering Lead): customer impact growing"},
		{"skipped", TextSkippedTo(3, RoleDirector, SkippedNote(p, sev1, skipped, t0.Add(time.Minute)), "on a plane"),
			"skipped to step 3 (Product/Engineering Director), passing over step 1 (On-call DevOps Engineer), step 2 (Engineering Lead): on a plane"},
		{"skipped nothing", SkippedNote(p, sev1, sev1, t0), ""},
		{"freeze override", TextFreezeOverride("web v2 → production", "INC-3 SEV1 open", "hotfix for INC-3"),
			"started web v2 → production despite the change freeze (INC-3 SEV1 open): hotfix for INC-3"},
		{"freeze on", TextFreezeOn("INC-3 SEV1 open"), "change freeze ON: INC-3 SEV1 open — new deployments need an override reason"},
		{"freeze off", TextFreezeOff("INC-3 resolved"), "change freeze OFF: INC-3 resolved"},
		{"held", TextRolloutHeld(4, "web v2 → production", "INC-3 SEV1 open, INC-5 SEV2 mitigated"),
			"HOLD on #4 web v2 → production: INC-3 SEV1 open, INC-5 SEV2 mitigated — promote and finish need an override reason"},
		{"released", TextRolloutReleased(4, "web v2 → production", "INC-3 unlinked"), "hold released on #4 web v2 → production: INC-3 unlinked"},
		{"hold ended: resolved", TextHoldEnded(inc3(SEV1, IncidentMitigated, 4), inc3(SEV1, IncidentResolved, 4)), "INC-3 resolved"},
		{"hold ended: downgraded", TextHoldEnded(inc3(SEV2, IncidentOpen, 4), inc3(SEV3, IncidentOpen, 4)), "INC-3 downgraded to SEV3"},
		{"hold ended: resolved beats downgraded", TextHoldEnded(inc3(SEV1, IncidentOpen, 4), inc3(SEV4, IncidentResolved, 4)), "INC-3 resolved"},
		{"hold ended: unlinked", TextHoldEnded(inc3(SEV1, IncidentOpen, 4), inc3(SEV1, IncidentOpen, 0)), "INC-3 unlinked"},
		{"hold ended: relinked", TextHoldEnded(inc3(SEV1, IncidentOpen, 4), inc3(SEV1, IncidentOpen, 7)), "INC-3 linked to #7 instead"},

		// Notifications and the probe.
		{"notified", TextNotifySent("escalation due: INC-3 step 2, sam", "exit 0 in 12ms"), "notified escalation due: INC-3 step 2, sam (exit 0 in 12ms)"},
		{"notify failed", TextNotifyFailed("stage ready: #4 web stage 1/4 · 5%, promote", "exit status 2: no route"),
			"notify FAILED for stage ready: #4 web stage 1/4 · 5%, promote: exit status 2: no route"},
		{"probe failed", TextProbeFailed("#4 web v2", "it printed 3 lines"), "probe FAILED for #4 web v2: it printed 3 lines; health unknown"},
		{"probe no baseline", TextProbeNoBaseline(), "probe: no baseline yet (record one with flightdeck deploy health --error-rate PCT --baseline PCT)"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Errorf("two cases named %q", c.name)
		}
		seen[c.name] = true
		if c.got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, c.got, c.want)
		}
	}
}

// TestEventKinds keeps EventKinds complete: every EventKind constant
// declared in event.go is listed once, and no two kinds share a value.
func TestEventKinds(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "event.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	listed := map[EventKind]int{}
	for _, k := range EventKinds {
		listed[k]++
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventKind" {
				continue
			}
			for _, name := range vs.Names {
				declared++
				obj := name.Name
				lit := vs.Values[0].(*ast.BasicLit).Value
				if n := listed[EventKind(lit[1:len(lit)-1])]; n != 1 {
					t.Errorf("%s (%s) is in EventKinds %d times, want once", obj, lit, n)
				}
			}
		}
	}
	if declared != len(EventKinds) || len(listed) != len(EventKinds) {
		t.Errorf("%d kinds declared, %d listed, %d distinct", declared, len(EventKinds), len(listed))
	}
}

// inc3 is INC-3 at sev and status, linked to deployment #dep (0: none).
func inc3(sev Severity, status IncidentStatus, dep int64) Incident {
	return Incident{ID: 3, Severity: sev, Status: status, DeploymentID: dep}
}
