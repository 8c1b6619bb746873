package data

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

func TestExportRollouts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, testTemplate())
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	if _, _, err := s.RecordHealth(ctx, d.ID, 1.5, ptr(1.5), "dave", at(15)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", at(16)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pause(ctx, d.ID, model.RolloutSeen{}, "bob", at(20)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 7.25, ptr(1.5), "dave", at(21)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeclareCriterion(ctx, d.ID, "security", "CVE in libfoo", "erin", at(22)); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearCriteria(ctx, d.ID, "not reachable", "erin", at(23)); err != nil {
		t.Fatal(err)
	}
	// Stage 1 is current: nothing is written for the stage it left.
	if wrote, err := s.MarkReady(ctx, d.ID, 0, at(24)); wrote || err != nil {
		t.Errorf("MarkReady of a past stage: %v %v", wrote, err)
	}

	var buf bytes.Buffer
	if err := s.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Deployments          []map[string]any `json:"deployments"`
		Rollouts             []map[string]any `json:"rollouts"`
		RolloutStages        []map[string]any `json:"rollout_stages"`
		RolloutReady         []map[string]any `json:"rollout_ready"`
		HealthSamples        []map[string]any `json:"health_samples"`
		RollbackDeclarations []map[string]any `json:"rollback_declarations"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(doc.Rollouts) != 1 || len(doc.RolloutStages) != 1 || len(doc.RolloutReady) != 0 || len(doc.HealthSamples) != 2 || len(doc.RollbackDeclarations) != 2 {
		t.Fatalf("row counts:\n%s", buf.String())
	}

	ro := doc.Rollouts[0]
	if got := sortedKeys(ro); got != "aborted_at completed_at deployment_id live_at not_live paused paused_at paused_total_ms plan remaining_at_pause_ms rolled_back_at soak_ended_at stage stage_started_at started_at" {
		t.Errorf("rollout keys: %s", got)
	}
	if ro["stage"] != 1.0 || ro["paused"] != true || ro["paused_at"] != "2026-11-25T14:22:00.000Z" || ro["remaining_at_pause_ms"] != 660000.0 || ro["completed_at"] != nil {
		t.Errorf("rollout: %v", ro)
	}
	plan := ro["plan"].(map[string]any)
	stage0 := plan["stages"].([]any)[0].(map[string]any)
	if plan["strategy"] != "canary" || sortedKeys(stage0) != "label name note percent soak_ms" || stage0["soak_ms"] != 900000.0 || stage0["label"] != "5%" {
		t.Errorf("plan: %v", plan)
	}

	st := doc.RolloutStages[0]
	if got := sortedKeys(st); got != "criteria_met deployment_id id override paused_ms promoted_at soak_ended_at stage started_at" {
		t.Errorf("stage keys: %s", got)
	}
	if st["stage"] != 0.0 || st["soak_ended_at"] != "2026-11-25T14:17:00.000Z" || st["promoted_at"] != "2026-11-25T14:18:00.000Z" || st["criteria_met"] != false {
		t.Errorf("stage: %v", st)
	}

	h := doc.HealthSamples[1]
	if got := sortedKeys(h); got != "actor at baseline deployment_id error_rate id source" {
		t.Errorf("health keys: %s", got)
	}
	if h["error_rate"] != 7.25 || h["baseline"] != 1.5 || h["actor"] != "dave" || h["source"] != HealthSourceManual {
		t.Errorf("health: %v", h)
	}

	// The 7.25% reading latched a breach; the declaration came after it.
	if lt := doc.RollbackDeclarations[0]; lt["latched"] != true || lt["criterion"] != "error-rate" || lt["cleared_by"] != "erin" {
		t.Errorf("latched breach: %v", lt)
	}
	dc := doc.RollbackDeclarations[1]
	if got := sortedKeys(dc); got != "actor at clear_reason cleared_at cleared_by criterion deployment_id id latched reason" {
		t.Errorf("declaration keys: %s", got)
	}
	if dc["criterion"] != "security-vulnerability" || dc["cleared_by"] != "erin" || dc["clear_reason"] != "not reachable" || dc["cleared_at"] != "2026-11-25T14:25:00.000Z" {
		t.Errorf("declaration: %v", dc)
	}
	if dep := doc.Deployments[0]; dep["rollback_at"] != nil || dep["stability_at"] != nil {
		t.Errorf("deployment: %v", dep)
	}

	// A ready mark appears once the current soak is over: it started 14:18,
	// served 4 min before the pause and resumed at 14:32 with 11 min left.
	if _, err := s.Resume(ctx, d.ID, model.RolloutSeen{}, "bob", at(30)); err != nil {
		t.Fatal(err)
	}
	if wrote, err := s.MarkReady(ctx, d.ID, 1, at(45)); err != nil || !wrote {
		t.Fatalf("MarkReady: %v %v", wrote, err)
	}
	buf.Reset()
	if err := s.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.RolloutReady) != 1 || sortedKeys(doc.RolloutReady[0]) != "at deployment_id id stage" || doc.RolloutReady[0]["at"] != "2026-11-25T14:43:00.000Z" {
		t.Errorf("rollout_ready: %v", doc.RolloutReady)
	}
}
