package notify

// From timeline events to notices: which event is which notice kind, and
// the Notice every sender gets, built from the event and the incident and
// deployment it is about.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// noticeOf maps the timeline's event kinds to notice kinds. Events not
// here (checklist ticks, notes, health readings, the notifier's own
// outcomes) are never sent.
var noticeOf = map[model.EventKind]model.NoticeKind{
	model.EventDeployStarted:       model.NoticeDeploymentStarted,
	model.EventExecutionStart:      model.NoticeExecutionStarted,
	model.EventRolloutPromote:      model.NoticeStagePromoted,
	model.EventRolloutReady:        model.NoticeStageReady,
	model.EventRolloutPause:        model.NoticeRolloutPaused,
	model.EventRolloutResume:       model.NoticeRolloutResumed,
	model.EventRolloutHeld:         model.NoticeRolloutHeld,
	model.EventRolloutReleased:     model.NoticeRolloutReleased,
	model.EventHealthCriteriaMet:   model.NoticeCriteriaMet,
	model.EventHealthDeclared:      model.NoticeCriteriaMet,
	model.EventHealthLatched:       model.NoticeCriteriaMet, // only when no criteria_met came with it (OutboxEvents)
	model.EventHealthCleared:       model.NoticeCriteriaCleared,
	model.EventRolloutAbort:        model.NoticeRolloutAborted,
	model.EventRolloutRolledBack:   model.NoticeRolledBack,
	model.EventRolloutFinish:       model.NoticeDeploymentCompleted,
	model.EventFreezeOn:            model.NoticeFreezeOn,
	model.EventFreezeOff:           model.NoticeFreezeOff,
	model.EventIncidentOpened:      model.NoticeIncidentOpened,
	model.EventIncidentSeverity:    model.NoticeSeverityChanged,
	model.EventIncidentAck:         model.NoticeIncidentAcknowledged,
	model.EventIncidentEscalate:    model.NoticeIncidentEscalated,
	model.EventIncidentSkip:        model.NoticeEscalationSkipped,
	model.EventIncidentCommander:   model.NoticeRoleChanged,
	model.EventIncidentUpdate:      model.NoticeUpdatePosted,
	model.EventUpdateDue:           model.NoticeUpdateDue,
	model.EventUpdateOverdue:       model.NoticeUpdateOverdue,
	model.EventIncidentMitigated:   model.NoticeIncidentMitigated,
	model.EventIncidentResolved:    model.NoticeIncidentResolved,
	model.EventIncidentReopened:    model.NoticeIncidentReopened,
	model.EventEscalationDue:       model.NoticeEscalationDue,
	model.EventPostmortemScheduled: model.NoticePostmortemScheduled,
}

// eventKindsFor lists the event kinds whose notices a route takes, so the
// outbox reads only those.
func eventKindsFor(routes func(model.NoticeKind) bool) []model.EventKind {
	var out []model.EventKind
	for _, ek := range model.EventKinds {
		if nk, ok := noticeOf[ek]; ok && routes(nk) {
			out = append(out, ek)
		}
	}
	return out
}

// reasonKinds are the events whose text ends with the person's reason
// (" — reason", model's textReason).
var reasonKinds = map[model.EventKind]bool{
	model.EventRolloutAbort: true, model.EventIncidentSkip: true, model.EventIncidentEscalate: true,
	model.EventIncidentReopened: true, model.EventRolloutPause: true,
}

// noticeBuilder builds notices, reading each incident and deployment once
// per batch.
type noticeBuilder struct {
	st    *data.Store
	incs  map[int64]model.Incident
	deps  map[int64]*model.NoticeDeployment
	isSet map[int64]bool
}

func newNoticeBuilder(st *data.Store) *noticeBuilder {
	return &noticeBuilder{st: st, incs: map[int64]model.Incident{}, deps: map[int64]*model.NoticeDeployment{}, isSet: map[int64]bool{}}
}

// build makes the notice of event e; ok is false for an event that is no
// notice.
func (b *noticeBuilder) build(ctx context.Context, e model.Event) (model.Notice, bool, error) {
	kind, ok := noticeOf[e.Kind]
	if !ok {
		return model.Notice{}, false, nil
	}
	n := model.Notice{Kind: kind, EventID: e.ID, At: e.At, Actor: e.Actor, Text: e.Text, Severity: e.Severity}
	depID := e.DeploymentID
	if e.IncidentID != 0 {
		inc, err := b.incident(ctx, e.IncidentID)
		if err != nil {
			return n, false, err
		}
		n.Incident = &model.NoticeIncident{ID: inc.ID, Ref: inc.Ref(), Title: inc.Title, Severity: inc.Severity,
			Status: inc.Status, Commander: inc.Commander}
		if n.Severity == 0 {
			n.Severity = inc.Severity
		}
		if depID == 0 {
			depID = inc.DeploymentID
		}
	}
	if depID != 0 {
		d, err := b.deployment(ctx, depID)
		if err != nil {
			return n, false, err
		}
		n.Deployment = d
	}
	if reasonKinds[e.Kind] {
		if i := strings.LastIndex(e.Text, " — "); i >= 0 {
			n.Reason = e.Text[i+len(" — "):]
		}
	}
	recKey := ""
	switch e.Kind {
	case model.EventIncidentUpdate:
		if u, ok, err := b.st.UpdateAt(ctx, e.IncidentID, e.At); err != nil {
			return n, false, err
		} else if ok {
			n.Update = &u
		}
	case model.EventEscalationDue, model.EventUpdateDue, model.EventUpdateOverdue:
		key, err := b.st.RecordKey(ctx, e.ID)
		if err != nil {
			return n, false, err
		}
		recKey = key
		b.fromRecordKey(&n, key)
	}
	n.Key = noticeKey(n, recKey)
	n.Summary = summary(n)
	return n, true, nil
}

// noticeKey is the dedup key: the notifier's record key for a deadline
// (the same moment recorded once), else kind, ref and event id.
func noticeKey(n model.Notice, recKey string) string {
	if recKey != "" {
		return recKey
	}
	scope := "-"
	switch {
	case n.Incident != nil:
		scope = n.Incident.Ref
	case n.Deployment != nil:
		scope = "D" + strconv.FormatInt(n.Deployment.ID, 10)
	}
	return fmt.Sprintf("%s:%s:%d", n.Kind, scope, n.EventID)
}

// fromRecordKey reads the step and due time back from a deadline's key
// (escalationKey, updateKey).
func (b *noticeBuilder) fromRecordKey(n *model.Notice, key string) {
	parts := strings.Split(key, ":")
	ms, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err != nil {
		return
	}
	n.Due = time.UnixMilli(ms).UTC()
	if n.Kind != model.NoticeEscalationDue || len(parts) != 4 || n.Incident == nil {
		return
	}
	num, err := strconv.Atoi(parts[2])
	if err != nil {
		return
	}
	step := &model.NoticeStep{Number: num, Due: n.Due}
	for _, s := range b.st.Policy().Steps {
		if s.Number == num {
			step.Role, step.Person = s.Role, s.Person
		}
	}
	n.Step = step
}

// summary is the one line a person reads first: the incident (ref and
// severity) or the deployment, then what happened.
func summary(n model.Notice) string {
	var who string
	switch {
	case n.Incident != nil:
		who = n.Incident.Ref
		if n.Severity.Valid() {
			who += " " + n.Severity.Label()
		}
		who += " “" + n.Incident.Title + "”"
	case n.Deployment != nil:
		d := n.Deployment
		who = fmt.Sprintf("#%d %s %s (%s)", d.ID, d.Service, d.Version, d.Environment)
	default:
		who = "flightdeck"
	}
	return model.SanitizeLine(who + ": " + n.Text)
}

func (b *noticeBuilder) incident(ctx context.Context, id int64) (model.Incident, error) {
	if inc, ok := b.incs[id]; ok {
		return inc, nil
	}
	inc, err := b.st.Incident(ctx, id)
	if err != nil {
		return inc, err
	}
	b.incs[id] = inc
	return inc, nil
}

func (b *noticeBuilder) deployment(ctx context.Context, id int64) (*model.NoticeDeployment, error) {
	if b.isSet[id] {
		return b.deps[id], nil
	}
	d, err := b.st.Deployment(ctx, id)
	if errors.Is(err, data.ErrNotFound) {
		b.isSet[id] = true
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	nd := &model.NoticeDeployment{ID: d.ID, Service: d.Service, Version: d.Version, Environment: d.Environment,
		Strategy: d.Strategy, Status: d.Status}
	if r, has, err := b.st.Rollout(ctx, id); err != nil {
		return nil, err
	} else if has {
		nd.Stage = r.Status(time.Now(), false).StageLabel
	}
	b.deps[id], b.isSet[id] = nd, true
	return nd, nil
}

// testNotice is what `flightdeck notify --test` sends.
func testNotice(now time.Time) model.Notice {
	return model.Notice{
		Kind: model.NoticeTest, Key: "test:" + strconv.FormatInt(now.UnixMilli(), 10), At: now.UTC(), Actor: data.SystemActor,
		Summary: "flightdeck notify test: if you can read this, notifications reach you",
		Text:    "a test from flightdeck notify --test; nothing happened",
	}
}
