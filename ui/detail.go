package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/viewport"
	"github.com/charmbracelet/x/ansi"

	"github.com/octoacme/flightdeck/model"
)

// detailView shows one deployment or incident in full, scrollable: built
// once when it loads (and on resize), never per frame.
type detailView struct {
	dep    *DeploymentDetail
	inc    *IncidentDetail
	err    error
	links  []model.Link
	vp     viewport.Model
	width  int
	height int
}

func (d *detailView) setSize(w, h int) {
	d.width, d.height = w, h
	d.vp.Width, d.vp.Height = w, max(h, 0)
}

// detailKeys: the viewport scrolls with its own keys; these name them for
// the footer, with esc and q that the view handles itself.
func (k KeyMap) detailKeys() keyScope {
	return oneGroup("Detail", k.Up, k.Down, k.PgUp, k.PgDown, k.Back, k.Quit)
}

func (d *detailView) set(msg detailMsg, st Styles, policy model.EscalationPolicy, links []model.Link, now time.Time, loc *time.Location) {
	d.dep, d.inc, d.err = msg.dep, msg.inc, msg.err
	d.links = links
	d.vp = viewport.New(d.width, max(d.height, 0))
	d.vp.SetContent(strings.Join(d.lines(st, policy, now, loc), "\n"))
}

func (d *detailView) lines(st Styles, policy model.EscalationPolicy, now time.Time, loc *time.Location) []string {
	w := max(d.width, 1)
	if d.err != nil {
		return []string{st.StatusError.Render(fit("✗ "+d.err.Error(), w))}
	}
	var out []string
	add := func(s string) { out = append(out, fit(s, w)) }
	head := func(s string) { out = append(out, "", st.Section.Render(fit(s, w))) }
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	if dd := d.dep; dd != nil {
		dep := dd.Deployment
		add(st.Section.Render(fmt.Sprintf("Deployment #%d  %s", dep.ID, clean(dep.Title()))))
		add(fmt.Sprintf("strategy %s · status %s · started %s by %s", dep.Strategy, dep.Status.Label(), ts(dep.CreatedAt), clean(dep.StartedBy)))
		if !dep.FinishedAt.IsZero() {
			add(fmt.Sprintf("finished %s (%s after start)", ts(dep.FinishedAt), model.FormatDurationShort(model.Elapsed(dep.CreatedAt, dep.FinishedAt))))
		}
		if dep.CommitSHA != "" || !dep.CommittedAt.IsZero() {
			add(fmt.Sprintf("commit %s committed %s", clean(dep.CommitSHA), ts(dep.CommittedAt)))
		}
		if dep.HotfixFor != 0 {
			add(fmt.Sprintf("hotfix for INC-%d", dep.HotfixFor))
		}
		if dd.HasRollout {
			head("Rollout stages — time soaking vs waiting for a human")
			add(st.Muted.Render(fmt.Sprintf("%-16s %-17s %9s %9s %9s  %s", "stage", "started", "soaking", "waiting", "paused", "override")))
			for _, t := range dd.Rollout.StageTimes(now) {
				add(fmt.Sprintf("%-16s %-17s %9s %9s %9s  %s", fit(clean(t.Label), 16), ts(t.StartedAt), model.FormatCountdown(t.Soaking),
					model.FormatCountdown(t.Waiting), model.FormatCountdown(t.Paused), clean(t.Override)))
			}
		}
		list := model.Group(dd.Items, dd.Guidance)
		for _, ph := range list.Phases {
			head(fmt.Sprintf("%s %s", ph.Name, ph.Progress()))
			for _, s := range ph.Sections {
				add(st.Accent.Render("  " + clean(s.Name)))
				for _, it := range s.Items {
					box := "[ ]"
					meta := ""
					switch it.State {
					case model.ItemDone:
						box = "[x]"
					case model.ItemNA:
						box = "[-]"
					}
					if it.State != model.ItemTodo {
						meta = fmt.Sprintf("  — %s %s", clean(it.By), ts(it.At))
					}
					add(fmt.Sprintf("    %s %s%s", box, clean(it.Text), st.Muted.Render(meta)))
					if it.State == model.ItemNA {
						add(st.NA.Render("        n/a: " + clean(it.Reason)))
					}
					if it.Note != "" {
						add(st.Muted.Render("        ✎ " + clean(it.Note) + " — " + clean(it.NoteBy)))
					}
				}
			}
		}
		head(fmt.Sprintf("Linked incidents (%d)", len(dd.Incidents)))
		for _, i := range dd.Incidents {
			add(fmt.Sprintf("  %s %s %s — %s, opened %s", i.Ref(), i.Severity.Label(), clean(i.Title), i.Status, ts(i.OpenedAt)))
		}
		d.timeline(st, &out, dd.Events, loc, w, nil)
		return out
	}
	if di := d.inc; di != nil {
		inc := di.Incident
		add(st.Section.Render(fmt.Sprintf("%s  %s %s", inc.Ref(), inc.Severity.Label(), clean(inc.Title))))
		add(fmt.Sprintf("status %s · opened %s by %s · commander %s", inc.Status, ts(inc.OpenedAt), clean(inc.OpenedBy), orNone(clean(inc.Commander))))
		if di.Deployment.ID != 0 {
			add(fmt.Sprintf("deployment #%d %s (%s)", di.Deployment.ID, clean(di.Deployment.Title()), di.Deployment.Status.Label()))
		}
		if strings.TrimSpace(inc.RootCause) != "" {
			head("Root cause")
			for _, l := range wrapBlock(inc.RootCause, w, 2) {
				add("  " + strings.TrimPrefix(l, "  "))
			}
		}
		head("Escalation")
		for _, s := range policy.Ladder(inc, now) {
			due := "--:--"
			if !s.Due.IsZero() {
				due = s.Due.In(loc).Format("15:04")
			}
			state := string(s.State)
			if s.State == model.StepOverdue {
				state = "OVERDUE +" + model.FormatCountdown(s.Overdue)
			}
			if s.State == model.StepAcknowledged {
				state += " · " + clean(s.Reached) + " by " + clean(s.AckedBy)
			}
			add(fmt.Sprintf("  %d %-30s %s  %s", s.Step.Number, s.Step.Role, due, state))
		}
		var dep *model.Deployment
		if di.Deployment.ID != 0 {
			dep = &di.Deployment
		}
		// The linked deployment's events are marked, as incident show and
		// the report mark them.
		d.timeline(st, &out, di.Events, loc, w, func(e model.Event) string { return model.TimelineTag(e, inc.ID, dep) })
		head("Report preview (flightdeck incident report " + inc.Ref() + ")")
		for _, l := range strings.Split(model.IncidentReport(model.ReportInput{Incident: inc, Deployment: dep, Checklist: di.Checklist, Events: di.Events, Policy: policy, Links: d.links, Now: now}), "\n") {
			add(st.Muted.Render(clean(l)))
		}
	}
	return out
}

// timeline lists events in full; tag (nil: none) marks an event, e.g. the
// linked deployment's on an incident's timeline.
func (d *detailView) timeline(st Styles, out *[]string, events []model.Event, loc *time.Location, w int, tag func(model.Event) string) {
	*out = append(*out, "", st.Section.Render(fit(fmt.Sprintf("Timeline (%d)", len(events)), w)))
	for _, e := range events {
		star := " "
		if e.Starred {
			star = "★"
		}
		// The entry in full: a note of several lines keeps them, each
		// wrapped under the text's column.
		prefix := fmt.Sprintf("%s %s %s ", star, e.At.In(loc).Format("01-02 15:04:05"), clean(e.Actor))
		indent := ansi.StringWidth(prefix)
		if indent > w/2 {
			indent = 4 // a very long name: wrap under a short indent
		}
		text := e.Text
		if tag != nil {
			if t := tag(e); t != "" {
				text = t + text
			}
		}
		for i, l := range wrapBlock(text, w-(ansi.StringWidth(prefix)-indent), indent) {
			if i == 0 {
				l = prefix + l
			}
			*out = append(*out, fit(l, w))
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
