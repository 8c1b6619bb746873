package ui

// escalationView is the escalation pane. Escalation clocks belong to open
// incidents; with none open it says so and how one starts.
func escalationView(st Styles, w, h int) []string {
	return wrapLines(st, w, h, []styledLine{
		{st.OK, "✓ No open incidents."},
		{st.Muted, "Escalation clocks (On-call → Eng Lead at 15 min for SEV1/2 → Director; Security Lead when security-related) start when an incident is opened."},
	})
}
