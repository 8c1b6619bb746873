package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/octoacme/flightdeck/model"
)

// meetingInvite is the RFC 5545 invite of an incident's postmortem meeting,
// built with github.com/arran4/golang-ical (which escapes text values and
// folds lines at 75 octets with CRLF). The UID is stable per incident and
// meeting ("INC-4-postmortem@flightdeck"): a moved meeting's invite (its
// SEQUENCE counts the moves) replaces the earlier one in a calendar. DTSTART
// is UTC, DURATION one hour; ORGANIZER is the owner when it is an e-mail
// address (a bare name is no calendar address, so it goes in the
// description instead).
func meetingInvite(inc model.Incident, m model.PostmortemMeeting, summary string, links []model.Link, now time.Time) string {
	cal := ics.NewCalendar()
	cal.SetProductId("-//flightdeck//postmortem//EN")
	cal.SetMethod(ics.MethodPublish)
	ev := cal.AddEvent(meetingUID(inc.ID))
	ev.SetDtStampTime(now.UTC())
	ev.SetStartAt(m.At.UTC())
	ev.SetProperty(ics.ComponentPropertyDuration, "PT1H")
	ev.SetSequence(m.Sequence)
	ev.SetSummary(model.SanitizeLine("Postmortem: " + inc.Ref() + " " + inc.Title))
	var desc strings.Builder
	if s := strings.TrimSpace(summary); s != "" {
		desc.WriteString(model.SanitizeText(s) + "\n\n")
	}
	fmt.Fprintf(&desc, "%s %s, resolved %s.\n", inc.Ref(), inc.Severity.Label(), resolvedText(inc))
	if m.Owner != "" {
		fmt.Fprintf(&desc, "Postmortem owner: %s\n", model.SanitizeLine(m.Owner))
	}
	link := meetingLink(inc, links)
	fmt.Fprintf(&desc, "Report: flightdeck incident report %s\n", inc.Ref())
	if link != "" {
		fmt.Fprintf(&desc, "Link: %s\n", link)
		ev.SetURL(link)
	}
	ev.SetDescription(strings.TrimSpace(desc.String()))
	if strings.Contains(m.Owner, "@") && !strings.ContainsAny(m.Owner, " \t:") {
		ev.SetOrganizer("mailto:"+m.Owner, ics.WithCN(m.Owner))
	}
	// RFC 5545 §3.1: lines end in CRLF (the library defaults to LF).
	return cal.Serialize(ics.WithNewLine("\r\n"))
}

func resolvedText(inc model.Incident) string {
	if inc.ResolvedAt.IsZero() {
		return "not yet"
	}
	return inc.ResolvedAt.UTC().Format("2006-01-02 15:04 MST")
}

// meetingLink is the invite's link: the first configured link that is set
// (the team's incident doc, dashboard or runbook), else none.
func meetingLink(inc model.Incident, links []model.Link) string {
	for _, l := range links {
		if !l.Unset && strings.TrimSpace(l.URL) != "" {
			return model.SanitizeLine(l.URL)
		}
	}
	return ""
}

// meetingUID is the invite's UID: one per incident, whatever the time.
func meetingUID(id int64) string {
	return "INC-" + strconv.FormatInt(id, 10) + "-postmortem@flightdeck"
}
