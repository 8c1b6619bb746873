package model

import (
	"fmt"
	"strings"
	"time"
)

// The wording of every timeline event, one function per sentence. The store
// writes these texts and the demo generator writes the same ones for its
// history, so nothing else formats an event sentence. They are pure and take
// plain values (labels, titles, durations, times) or model values, never
// store rows.
//
// Times are printed in UTC and truncated, never rounded: "ends 14:17:00 UTC"
// for a soak that ends at 14:17:00.9, the clock a person sees when it ends.
// Durations are printed with FormatCountdown and computed by the clock
// rule (clock.go), so a text's "left" and "ends" agree with every screen. The …Note functions return
// the clauses some texts end with (an empty string when there is nothing to
// say); pass them to the Text function they name.

// Deployments and checklists.

// TextDeployStarted is EventDeployStarted's text: "started web v1 → production (canary)".
func TextDeployStarted(title string, strategy Strategy) string {
	return fmt.Sprintf("started %s (%s)", title, strategy)
}

// TextExecutionStarted is EventExecutionStart's text.
func TextExecutionStarted() string { return "started " + PhaseExecution }

// TextGateOverride is EventGateOverride's text: Deployment Execution started
// with open Pre-Deployment items; reason is optional.
func TextGateOverride(open int, reason string) string {
	why := "(override)"
	if reason != "" {
		why = "(override: " + reason + ")"
	}
	return fmt.Sprintf("started %s with %s open %s", PhaseExecution, textCount(open, "Pre-Deployment item", "Pre-Deployment items"), why)
}

// TextItemDone is EventItemDone's text. watchStarted is when ticking the
// item started the rollback's stability watch; zero when it did not. The
// watch's length is StabilityWatch in whole minutes, "(15 min)", as the
// rollout pane names it: the one duration here not printed as a countdown.
func TextItemDone(item string, watchStarted time.Time) string {
	text := fmt.Sprintf("checked %q", item)
	if !watchStarted.IsZero() {
		text += fmt.Sprintf(" — stability watch started (%d min), ends %s UTC",
			int(StabilityWatch/time.Minute), textClock(watchStarted.Add(StabilityWatch)))
	}
	return text
}

// TextItemNA is EventItemNA's text.
func TextItemNA(item, reason string) string { return fmt.Sprintf("marked %q n/a: %s", item, reason) }

// TextItemReopened is EventItemTodo's text.
func TextItemReopened(item string) string { return fmt.Sprintf("reopened %q", item) }

// TextItemNote is EventItemNote's text; an empty note is a cleared one.
func TextItemNote(item, note string) string {
	if note == "" {
		return fmt.Sprintf("cleared note on %q", item)
	}
	return fmt.Sprintf("note on %q: %s", item, note)
}

// TextHotfixMarked is EventDeployHotfix's text when deployment #id (title)
// is marked as the hotfix for incident; was is the incident it was marked
// for before, 0 when none.
func TextHotfixMarked(id int64, title string, incident, was int64) string {
	text := fmt.Sprintf("marked #%d %s as the hotfix for %s", id, title, Incident{ID: incident}.Ref())
	if was != 0 {
		text += fmt.Sprintf(" (was %s)", Incident{ID: was}.Ref())
	}
	return text
}

// TextHotfixUnmarked is EventDeployHotfix's text when the mark is cleared.
func TextHotfixUnmarked(id int64, title string, incident int64) string {
	return fmt.Sprintf("#%d %s is no longer marked as the hotfix for %s", id, title, Incident{ID: incident}.Ref())
}

// TextTemplateImported is EventTemplateImported's text for a new template.
func TextTemplateImported(name string, phases, items int) string {
	return fmt.Sprintf("imported template %q: %s", name, templateSize(phases, items))
}

// TextTemplateReplaced is EventTemplateImported's text when the template
// replaces one of prevItems items imported by prevBy.
func TextTemplateReplaced(name string, phases, items, prevItems int, prevBy string) string {
	return fmt.Sprintf("replaced template %q: %s (was %s, imported by %s)", name, templateSize(phases, items),
		textCount(prevItems, "item", "items"), prevBy)
}

func templateSize(phases, items int) string {
	return textCount(phases, "phase", "phases") + ", " + textCount(items, "item", "items")
}

// Rollouts and health.

// TextRolloutStarted is EventRolloutStart's text: the first stage, and its
// soak when it has one.
func TextRolloutStarted(strategy Strategy, stage string, soak time.Duration, endsAt time.Time) string {
	return fmt.Sprintf("started %s rollout at %s", strategy, stage) + soakClause(soak, endsAt)
}

// TextRolloutPending is EventRolloutStart's text for a rollout whose first
// stage waits for the canary to take traffic.
func TextRolloutPending(strategy Strategy, stage string, soak time.Duration) string {
	return fmt.Sprintf("started %s rollout at %s: not live yet, its %s soak starts when “%s” is ticked",
		strategy, stage, FormatCountdown(soak), LiveItemText)
}

// TextPromoted is EventRolloutPromote's text: from one stage label to the
// next, what the promote overrode (OverrideNote), and the new stage's soak
// when it has one.
func TextPromoted(from, to string, soak time.Duration, endsAt time.Time, override string) string {
	return fmt.Sprintf("promoted %s → %s", from, to) + override + soakClause(soak, endsAt)
}

// soakClause is " (soak 15:00, ends 14:17:00 UTC)", or nothing for a stage
// without a soak.
func soakClause(soak time.Duration, endsAt time.Time) string {
	if soak <= 0 {
		return ""
	}
	return fmt.Sprintf(" (soak %s, ends %s UTC)", FormatCountdown(soak), textClock(endsAt))
}

// OverrideNote is the clause of TextPromoted and TextFinished that says what
// the action overrode, from rec (the stage record the model just closed) and
// before (the stage's status just before). rec.Overrode lists it when the
// gate built the record (a holding incident, met criteria, unknown health,
// open items, the soak left); otherwise the rollback criteria, with why
// they are met, and the soak left. With nothing overridden it quotes the
// reason, if one was given anyway.
func OverrideNote(rec StageRecord, before RolloutStatus, reason string, why []string) string {
	if rec.Override == "" {
		return textReason(reason)
	}
	if len(rec.Overrode) > 0 {
		return fmt.Sprintf(" despite %s; override: %s", strings.Join(rec.Overrode, " and "), rec.Override)
	}
	var what []string
	if rec.CriteriaMet {
		what = append(what, "rollback criteria met ("+strings.Join(why, "; ")+")")
	}
	if rec.SoakEndedAt.IsZero() {
		what = append(what, fmt.Sprintf("%s of the %s soak left", FormatCountdown(before.Remaining), FormatCountdown(before.Soak)))
	}
	return fmt.Sprintf(" despite %s; override: %s", strings.Join(what, " and "), rec.Override)
}

// TextLive is EventRolloutLive's text: the first stage takes traffic and its
// soak starts.
func TextLive(stage string, soak time.Duration, endsAt time.Time, item string) string {
	via := ""
	if item != "" {
		via = " (“" + item + "” ticked)"
	}
	return fmt.Sprintf("%s is live%s", stage, via) + soakClause(soak, endsAt)
}

// TextCriteriaLatched is EventHealthLatched's text: a reading broke the
// rollback rule and the breach now holds until cleared with a reason.
func TextCriteriaLatched(explanation string) string {
	return "rollback rule breached, latched until cleared with a reason: " + explanation
}

// TextItemAutoDone is EventItemDone's text when the rollout ticks an item
// that states a rollout fact ("Gradually roll out to production").
func TextItemAutoDone(item, why string) string {
	return fmt.Sprintf("ticked “%s”: %s", item, why)
}

// TextPaused is EventRolloutPause's text.
func TextPaused(stage string, left time.Duration) string {
	return fmt.Sprintf("paused %s with %s of the soak left", stage, FormatCountdown(left))
}

// TextResumed is EventRolloutResume's text: the soak left and when it ends,
// or that it was served while paused.
func TextResumed(stage string, left time.Duration, endsAt time.Time) string {
	if left <= 0 {
		return fmt.Sprintf("resumed %s: soak served, ready to promote", stage)
	}
	return fmt.Sprintf("resumed %s: %s of the soak left, ends %s UTC", stage, FormatCountdown(left), textClock(endsAt))
}

// TextAborted is EventRolloutAbort's text for a running rollout; the reason
// is optional.
func TextAborted(stage, reason string) string {
	return fmt.Sprintf("aborted the rollout at %s: rolling back", stage) + textReason(reason)
}

// TextAbortedPlanned is EventRolloutAbort's text for a deployment that never
// reached Deployment Execution; the reason is optional.
func TextAbortedPlanned(reason string) string {
	return "aborted before " + PhaseExecution + " started" + textReason(reason)
}

// TextRolledBack is EventRolloutRolledBack's text. watchStarted and
// watchLeft are Deployment.StabilityRemaining at the time: the rollback is
// recorded, without blocking, even when its stability watch was not served.
func TextRolledBack(stage string, watchStarted bool, watchLeft time.Duration, reason string) string {
	watch := "; stability watch served"
	switch {
	case !watchStarted:
		watch = "; stability watch never started"
	case watchLeft > 0:
		watch = fmt.Sprintf("; stability watch had %s left", FormatCountdown(watchLeft))
	}
	return fmt.Sprintf("rolled back from %s: previous version restored", stage) + watch + textReason(reason)
}

// TextRolledBackLeaving is TextRolledBack when Rollback items were left
// open (open is OpenItemsText's; "" when none): the reason is the override.
func TextRolledBackLeaving(stage string, watchStarted bool, watchLeft time.Duration, open, reason string) string {
	if open == "" {
		return TextRolledBack(stage, watchStarted, watchLeft, reason)
	}
	return TextRolledBack(stage, watchStarted, watchLeft, "") + "; left " + open + "; override: " + reason
}

// TextFinished is EventRolloutFinish's text; override is OverrideNote's.
func TextFinished(stage, override string) string {
	return fmt.Sprintf("finished the rollout at %s: deployment completed", stage) + override
}

// TextReady is EventRolloutReady's text: the stage's soak ended, and whether
// rollback criteria hold it.
func TextReady(stage string, soak time.Duration, criteriaMet bool) string {
	if criteriaMet {
		return fmt.Sprintf("%s soak ended (%s), but rollback criteria are met: hold", stage, FormatCountdown(soak))
	}
	return fmt.Sprintf("%s soak ended (%s): ready to promote", stage, FormatCountdown(soak))
}

// TextReadyHeld is EventRolloutReady's text when a SEV1/SEV2 linked to the
// deployment holds it (hold is Gate.HoldText's "INC-1 SEV1 open").
func TextReadyHeld(stage string, soak time.Duration, hold string) string {
	return fmt.Sprintf("%s soak ended (%s), but HOLD: %s", stage, FormatCountdown(soak), hold)
}

// TextHealthRecorded is EventHealthRecorded's text for a reading a person
// typed; explanation is RollbackRule.Evaluate's.
func TextHealthRecorded(explanation string) string { return "recorded health: " + explanation }

// TextHealthProbed is EventHealthRecorded's text for a metrics probe's reading.
func TextHealthProbed(explanation string) string { return "probe: " + explanation }

// TextCriteriaMet is EventHealthCriteriaMet's text: the error rate met the rule.
func TextCriteriaMet(explanation string) string { return "ROLLBACK CRITERIA MET: " + explanation }

// TextCriteriaDeclared is EventHealthDeclared's text.
func TextCriteriaDeclared(c Criterion, reason string) string {
	return "declared ROLLBACK CRITERIA MET: " + c.Label() + ": " + reason
}

// TextCriteriaCleared is EventHealthCleared's text: the declared criteria
// cleared as a false alarm, oldest first.
func TextCriteriaCleared(cleared []Criterion, reason string) string {
	labels := make([]string, len(cleared))
	for i, c := range cleared {
		labels[i] = c.Label()
	}
	return fmt.Sprintf("cleared %s as a false alarm (%s): %s",
		textCount(len(cleared), "declared rollback criterion", "declared rollback criteria"), strings.Join(labels, "; "), reason)
}

// Incidents, escalation and the change freeze.

// TextIncidentOpened is EventIncidentOpened's text. deploymentID (with its
// title) is the linked deployment, 0 when none; due is DueNote's.
func TextIncidentOpened(sev Severity, title string, deploymentID int64, deploymentTitle string, security bool, due string) string {
	link := ""
	if deploymentID != 0 {
		link = fmt.Sprintf(", linked to #%d %s", deploymentID, deploymentTitle)
	}
	text := fmt.Sprintf("opened %s %q%s", sev.Label(), title, link)
	if security {
		text += "; security-related"
	}
	return text + due
}

// DueNote is the clause that names the escalation steps a change to an
// incident scheduled or moved, with when they are due (UTC, to the minute):
// "; Engineering Lead due 14:17 UTC, Director due now", so the timeline —
// and the report built from it — says when each clock started. before is
// the incident before the change (the zero Incident for one just opened).
func DueNote(p EscalationPolicy, before, after Incident, at time.Time) string {
	old := map[int]time.Time{}
	for _, st := range p.Ladder(before, at) {
		old[st.Step.Number] = st.Due
	}
	var parts []string
	for _, st := range p.Ladder(after, at) {
		if !st.State.Active() || st.Due.Equal(old[st.Step.Number]) {
			continue
		}
		when := "now"
		if st.Due.After(at) {
			when = st.Due.UTC().Format("15:04 UTC")
		}
		parts = append(parts, st.Step.Role+" due "+when)
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

// TextSeverityChanged is EventIncidentSeverity's text; due is DueNote's.
func TextSeverityChanged(from, to Severity, due string) string {
	verb := "raised"
	if to > from {
		verb = "lowered"
	}
	return fmt.Sprintf("%s severity %s → %s", verb, from.Label(), to.Label()) + due
}

// BackdateSlack is how far before the moment a note was entered its time
// may be without the note being marked backdated: the time a form takes to
// submit.
const BackdateSlack = 10 * time.Second

// TextIncidentNote is EventIncidentNote's text: the note as written and,
// when at is more than BackdateSlack before entered, when it was really
// entered, so the log stays honest evidence. A zero entered (not known, as
// in generated history) never marks it.
func TextIncidentNote(note string, at, entered time.Time) string {
	return TextBackdated(note, at, entered)
}

// TextBackdated is any event's text for an action recorded as having
// happened at `at` but typed at entered (deploy start/finish, incident
// open/resolve --at): the text plus when it was really entered, when that is
// more than BackdateSlack later, so the timeline never lies about when it
// was written. A zero entered never marks it.
func TextBackdated(text string, at, entered time.Time) string {
	if !entered.IsZero() && entered.Sub(at) > BackdateSlack {
		return text + " (backdated: entered " + textClockDated(entered, at) + ")"
	}
	return text
}

// TextImported is the text of EventDeployImported and EventIncidentImported:
// where the row came from ("deploys.csv line 14") and when it was imported.
func TextImported(what, source string, entered time.Time) string {
	return what + " imported from " + source + " (entered " + entered.UTC().Format("2006-01-02 15:04:05 UTC") + ")"
}

// textClockDated is "14:07:31 UTC", with the date when it differs from ref's.
func textClockDated(t, ref time.Time) string {
	t, ref = t.UTC(), ref.UTC()
	if t.Format(time.DateOnly) == ref.Format(time.DateOnly) {
		return t.Format("15:04:05 UTC")
	}
	return t.Format("2006-01-02 15:04:05 UTC")
}

// TextMitigated is EventIncidentMitigated's text.
func TextMitigated() string { return string(IncidentMitigated) }

// TextResolved is EventIncidentResolved's text; the root cause is optional.
func TextResolved(rootCause string) string {
	if rootCause == "" {
		return string(IncidentResolved)
	}
	return string(IncidentResolved) + "; root cause: " + rootCause
}

// TextReopened is EventIncidentReopened's text; the reason is optional.
func TextReopened(reason string) string {
	if reason == "" {
		return "reopened: the mitigation did not hold"
	}
	return "reopened: " + reason
}

// TextRole is EventIncidentCommander's text for an incident role
// (commander, scribe or comms) that was held by was ("" none) and is now
// held by person ("" cleared).
func TextRole(role, was, person string) string {
	switch {
	case person == "":
		return fmt.Sprintf("%s cleared (was %s)", role, was)
	case was == "":
		return fmt.Sprintf("%s: %s", role, person)
	}
	return fmt.Sprintf("%s handed over: %s → %s", role, was, person)
}

// TextStakeholderUpdate is EventIncidentUpdate's text: the update on one line.
func TextStakeholderUpdate(u StakeholderUpdate) string { return "update: " + u.OneLine() }

// TextSecurity is EventIncidentSecurity's text; due (DueNote's) names the
// Security Lead step the flag made due.
func TextSecurity(on bool, due string) string {
	if !on {
		return "security flag cleared"
	}
	return "flagged security-related" + due
}

// TextActionItem is EventIncidentActionItem's text; pos counts from 1.
func TextActionItem(pos int, text string) string { return fmt.Sprintf("action item %d: %s", pos, text) }

// TextActionItemAdded is EventIncidentActionItem's text for an item added
// with its owner, due date or kind: TextActionItem's, then "(owner NAME,
// due 2026-12-08, prevent)".
func TextActionItemAdded(a ActionItem) string {
	t := TextActionItem(a.Position, a.Text)
	if d := ActionItemDetails(a); d != "" {
		t += " (" + d + ")"
	}
	return t
}

// ActionItemDetails is "owner NAME, due 2026-12-08, prevent", "" when none.
func ActionItemDetails(a ActionItem) string {
	var parts []string
	if a.Owner != "" {
		parts = append(parts, "owner "+a.Owner)
	}
	if !a.Due.IsZero() {
		parts = append(parts, "due "+FormatDueDate(a.Due))
	}
	if a.Kind != "" {
		parts = append(parts, string(a.Kind))
	}
	return strings.Join(parts, ", ")
}

// TextActionItemEdited is EventIncidentActionItemEdited's text: what the
// item is now, "action item 2 done", "action item 2 reopened", "action item
// 2: owner Dana, due 2026-12-08, detect".
func TextActionItemEdited(before, after ActionItem) string {
	var parts []string
	if after.Done != before.Done {
		if after.Done {
			parts = append(parts, "done")
		} else {
			parts = append(parts, "reopened (not done)")
		}
	}
	if after.Owner != before.Owner {
		parts = append(parts, "owner "+orText(after.Owner, "cleared"))
	}
	if !after.Due.Equal(before.Due) {
		parts = append(parts, "due "+orText(FormatDueDate(after.Due), "cleared"))
	}
	if after.Kind != before.Kind {
		parts = append(parts, "kind "+orText(string(after.Kind), "cleared"))
	}
	return fmt.Sprintf("action item %d %s: %s", after.Position, strings.Join(parts, ", "), after.Text)
}

// TextPostmortem is EventIncidentPostmortem's text: the fields set (by
// their CLI names) and a status change with its reason, e.g. "postmortem:
// summary, impact set; status draft → in review" or "postmortem: status in
// review → draft (reason: impact numbers missing)".
func TextPostmortem(before, after Postmortem, changed []string, reason string) string {
	var set, cleared []string
	status := ""
	for _, c := range changed {
		switch c {
		case "status":
			status = "status " + before.State().Label() + " → " + after.State().Label()
			if after.State() == PostmortemDraft && reason != "" {
				status += " (reason: " + reason + ")"
			}
		case "owner":
			if after.Owner == "" {
				cleared = append(cleared, "owner")
			} else {
				set = append(set, "owner "+after.Owner)
			}
		case "detected-at":
			if after.DetectedAt.IsZero() {
				cleared = append(cleared, "detected at")
			} else {
				set = append(set, "detected at "+after.DetectedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
			}
		default:
			v := ""
			for _, f := range PostmortemFields {
				if f.Name == c {
					v = f.Get(after)
				}
			}
			if v == "" {
				cleared = append(cleared, c)
			} else {
				set = append(set, c)
			}
		}
	}
	var parts []string
	if len(set) > 0 {
		parts = append(parts, strings.Join(set, ", ")+" set")
	}
	if len(cleared) > 0 {
		parts = append(parts, strings.Join(cleared, ", ")+" cleared")
	}
	if status != "" {
		parts = append(parts, status)
	}
	return "postmortem: " + strings.Join(parts, "; ")
}

// TextPostmortemScheduled is EventPostmortemScheduled's text: "postmortem
// meeting scheduled for 2026-12-03 10:00 UTC, owner Dana" (or "moved from
// … to …" when one was already scheduled). Times are UTC so the sentence
// reads the same to everyone it is sent to.
func TextPostmortemScheduled(m PostmortemMeeting, before *PostmortemMeeting) string {
	at := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }
	s := "postmortem meeting scheduled for " + at(m.At)
	if before != nil && !before.At.Equal(m.At) {
		s = "postmortem meeting moved from " + at(before.At) + " to " + at(m.At)
	}
	if m.Owner != "" {
		s += ", owner " + m.Owner
	}
	return s
}

// TextRootCause is EventIncidentRootCause's text; an empty cause is a
// cleared one.
func TextRootCause(cause string) string {
	if cause == "" {
		return "root cause cleared"
	}
	return "root cause: " + cause
}

// TextAck is EventIncidentAck's text; reached is who was reached, "" when
// not known.
func TextAck(step int, role, reached string) string {
	text := fmt.Sprintf("acknowledged step %d (%s)", step, role)
	if reached != "" {
		text += ": reached " + reached
	}
	return text
}

// TextEscalatedNow is EventIncidentEscalate's text.
func TextEscalatedNow(step int, role, reason string) string {
	return fmt.Sprintf("escalated now to step %d (%s): %s", step, role, reason)
}

// TextSkippedTo is EventIncidentSkip's text; skipped is SkippedNote's.
func TextSkippedTo(step int, role, skipped, reason string) string {
	return fmt.Sprintf("skipped to step %d (%s)%s: %s", step, role, skipped, reason)
}

// SkippedNote is the clause of TextSkippedTo that names the steps a skip
// passed over: ", passing over step 2 (Engineering Lead)". before and after
// are the incident without and with the skip.
func SkippedNote(p EscalationPolicy, before, after Incident, at time.Time) string {
	was := map[int]StepState{}
	for _, st := range p.Ladder(before, at) {
		was[st.Step.Number] = st.State
	}
	var parts []string
	for _, st := range p.Ladder(after, at) {
		if st.State == StepSkipped && was[st.Step.Number] != StepSkipped {
			parts = append(parts, fmt.Sprintf("step %d (%s)", st.Step.Number, st.Step.Role))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ", passing over " + strings.Join(parts, ", ")
}

// TextFreezeOverride is EventFreezeOverride's text: the deployment started
// during the freeze (Freeze's reason) with the override reason.
func TextFreezeOverride(title, freeze, override string) string {
	return fmt.Sprintf("started %s despite the change freeze (%s): %s", title, freeze, override)
}

// TextIncidentLinked is EventIncidentLinked's text: the deployment the
// incident is now linked to and, for a relink, the one it was linked to
// (wasID 0: it was linked to none).
func TextIncidentLinked(id int64, title string, wasID int64, wasTitle string) string {
	if wasID != 0 {
		return fmt.Sprintf("linked to #%d %s (was #%d %s)", id, title, wasID, wasTitle)
	}
	return fmt.Sprintf("linked to #%d %s", id, title)
}

// TextIncidentUnlinked is EventIncidentUnlinked's text: the deployment the
// incident is no longer linked to.
func TextIncidentUnlinked(id int64, title string) string {
	return fmt.Sprintf("unlinked from #%d %s: not caused by that deployment", id, title)
}

// TextInFlight names a deployment still in flight, for the warning before a
// second deployment of its service: "#1 v2.14.0 in progress at 25% in
// production". stage is the rollout's current stage ("25%"), "" before the
// rollout started.
func TextInFlight(d Deployment, stage string) string {
	state := "in progress"
	switch {
	case d.RollingBack():
		state = "rolling back"
	case stage != "":
		state = "in progress at " + stage
	}
	return fmt.Sprintf("#%d %s %s in %s", d.ID, d.Version, state, d.Environment)
}

// TextInFlightWarning is the question asked before a second deployment of a
// service: "checkout-api already has #1 v2.14.0 in progress at 25% in
// production — start anyway?".
func TextInFlightWarning(service, inFlight string) string {
	return fmt.Sprintf("%s already has %s — start anyway?", service, inFlight)
}

// TextInFlightOverride is EventDeployInFlight's text: the deployment
// started, the one in flight (TextInFlight) and the override reason.
func TextInFlightOverride(title, inFlight, reason string) string {
	return fmt.Sprintf("started %s while %s: %s", title, inFlight, reason)
}

// The freeze and holds, written with the incident change that caused them.

// TextFreezeOn is EventFreezeOn's text: hold is the incidents holding it
// ("INC-3 SEV1 open").
func TextFreezeOn(hold string) string {
	return "change freeze ON: " + hold + " — new deployments need an override reason"
}

// TextFreezeOff is EventFreezeOff's text: what ended the freeze
// ("INC-3 resolved").
func TextFreezeOff(why string) string { return "change freeze OFF: " + why }

// TextRolloutHeld is EventRolloutHeld's text: title is the deployment's,
// hold Gate.HoldText's.
func TextRolloutHeld(id int64, title, hold string) string {
	return fmt.Sprintf("HOLD on #%d %s: %s — promote and finish need an override reason", id, title, hold)
}

// TextRolloutReleased is EventRolloutReleased's text: why is TextHoldEnded's.
func TextRolloutReleased(id int64, title, why string) string {
	return fmt.Sprintf("hold released on #%d %s: %s", id, title, why)
}

// TextHoldEnded is what ended a freeze or a hold, for TextFreezeOff and
// TextRolloutReleased: the change of one incident from was to now — "INC-3
// resolved", "INC-3 downgraded to SEV3", "INC-3 unlinked", "INC-3 linked to
// #7 instead".
func TextHoldEnded(was, now Incident) string {
	switch {
	case now.Status == IncidentResolved && was.Status != IncidentResolved:
		return now.Ref() + " resolved"
	case was.Severity.Major() && !now.Severity.Major():
		return fmt.Sprintf("%s downgraded to %s", now.Ref(), now.Severity.Label())
	case now.DeploymentID == 0 && was.DeploymentID != 0:
		return now.Ref() + " unlinked"
	case now.DeploymentID != was.DeploymentID:
		return fmt.Sprintf("%s linked to #%d instead", now.Ref(), now.DeploymentID)
	}
	return now.Ref() + " " + string(now.Status)
}

// Deadlines the notifier records as they pass.

// TextEscalationDue is EventEscalationDue's text: who is the step's role
// and person ("Engineering Lead (Sam)").
func TextEscalationDue(step int, who string, due time.Time) string {
	return fmt.Sprintf("escalation step %d due at %s UTC: %s — not acknowledged", step, textClock(due), who)
}

// TextUpdateDue is EventUpdateDue's text.
func TextUpdateDue(due time.Time) string {
	return fmt.Sprintf("stakeholder update due at %s UTC — post one (Conditions / Actions / Needs)", textClock(due))
}

// TextUpdateOverdue is EventUpdateOverdue's text.
func TextUpdateOverdue(due time.Time, late time.Duration) string {
	return fmt.Sprintf("stakeholder update OVERDUE: due at %s UTC, none posted for %s", textClock(due), FormatDurationShort(late))
}

// Notifications and the metrics probe.

// TextNotifyRecovered is EventNotifyRecovered's text: sender delivered
// again after failing since since; lost notices could not be delivered.
func TextNotifyRecovered(sender string, since time.Time, lost int) string {
	s := fmt.Sprintf("notifications to %s delivered again (failing since %s UTC", sender, textClock(since))
	if lost > 0 {
		s += fmt.Sprintf("; %s not delivered", textCount(lost, "notice", "notices"))
	}
	return s + ")"
}

// TextProbeRecovered is EventProbeRecovered's text.
func TextProbeRecovered(what string, since time.Time, attempts int) string {
	return fmt.Sprintf("probe recovered for %s: failing since %s UTC, %s", what, textClock(since), textCount(attempts, "failed attempt", "failed attempts"))
}

// TextNotifySent is EventNotifySent's text: what was notified, and the
// command's result summary.
func TextNotifySent(what, summary string) string { return "notified " + what + " (" + summary + ")" }

// TextNotifyFailed is EventNotifyFailed's text.
func TextNotifyFailed(what, summary string) string {
	return "notify FAILED for " + what + ": " + summary
}

// TextProbeFailed is EventProbeFailed's text when the probe gave no usable
// error rate, and why: written for the first failure of a spell only (the
// later ones are counted, and TextProbeRecovered reports the count).
func TextProbeFailed(what, reason string) string {
	return "probe FAILED for " + what + ": " + reason + "; health unknown"
}

// TextProbeNoBaseline is EventProbeFailed's text when there is no baseline
// to compare the probe's reading with.
func TextProbeNoBaseline() string {
	return "probe: no baseline yet (record one with flightdeck deploy health --error-rate PCT --baseline PCT)"
}

// textReason appends an optional reason: " — reason".
func textReason(reason string) string {
	if reason == "" {
		return ""
	}
	return " — " + reason
}

// textClock is t's UTC wall-clock time, "14:17:00", truncated to the second.
func textClock(t time.Time) string { return t.UTC().Format(time.TimeOnly) }

// textCount is "1 item" or "3 items".
func textCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
