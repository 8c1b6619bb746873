package ui

// escalationView is the escalation pane. Escalation clocks belong to open
// incidents; with none open it says so and how one starts.
func escalationView(st Styles, w, h int) []string {
	return wrapLines(st, w, h, []styledLine{
		{st.OK, "✓ No open incidents: no clocks running."},
		{st.Muted, "Escalation clocks start when an incident is opened: On-call → Eng Lead at 15 min (SEV1/2) → Director; Security Lead at once if security-related."},
	})
}
