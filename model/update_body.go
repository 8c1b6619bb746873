package model

import (
	"fmt"
	"strings"
)

// ParseUpdateBody reads a stakeholder update written as sections:
//
//	Conditions:
//	checkout failing for 5% of users
//	Actions:
//	rolling back v2.14.0
//	Needs:
//	DBA on call
//
// A heading is "Conditions:", "Actions:" or "Needs:" (any case) at the
// start of a line, with the text after it on the same line or the lines
// below, up to the next heading. Needs is optional. Text before the first
// heading is refused, as is a heading given twice.
func ParseUpdateBody(s string) (conditions, actions, needs string, err error) {
	sections := map[string]*strings.Builder{}
	var cur string
	for i, line := range strings.Split(s, "\n") {
		head, rest, isHead := strings.Cut(line, ":")
		key := strings.ToLower(strings.TrimSpace(head))
		if isHead && (key == "conditions" || key == "actions" || key == "needs") && !strings.HasPrefix(line, " ") {
			if sections[key] != nil {
				return "", "", "", fmt.Errorf("line %d: %s: is given twice: one section each", i+1, head)
			}
			sections[key] = &strings.Builder{}
			cur = key
			line = strings.TrimSpace(rest)
			if line == "" {
				continue
			}
		}
		if cur == "" {
			if strings.TrimSpace(line) == "" {
				continue
			}
			return "", "", "", fmt.Errorf("line %d is before any section: start with Conditions:, then Actions: and (optionally) Needs:", i+1)
		}
		b := sections[cur]
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	get := func(k string) string {
		if b := sections[k]; b != nil {
			return strings.TrimSpace(b.String())
		}
		return ""
	}
	return get("conditions"), get("actions"), get("needs"), nil
}
