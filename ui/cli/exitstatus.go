package cli

import (
	"fmt"
	"strings"

	"github.com/octoacme/flightdeck/model"
)

// Exit codes of --exit-status (deploy status, deploy health), beyond
// 0 ok, 1 failed, 2 usage, 3 stale and deploy wait's 124 and 130.
const (
	// exitHeld: the rollout is on HOLD — a linked SEV1/SEV2 incident is open.
	exitHeld = 4
	// exitCriteriaMet: the rollback criteria are met (the rule on the last
	// reading, a latched breach or a declared criterion): roll back.
	exitCriteriaMet = 5
)

// verdictExit is a command that did its work and printed its result but
// ends with a code that reports what it saw (--exit-status). Under --json
// the result is still printed.
type verdictExit struct {
	code int
	msg  string
}

func (e verdictExit) Error() string { return e.msg }
func (e verdictExit) ExitCode() int { return e.code }

// exitStatusOf is the verdict over the active deployments in sts: criteria
// met (5) outranks held (4); nil when none is either. Finished deployments
// are never held.
func exitStatusOf(sts []deployStatus) error {
	code := 0
	var why []string
	for _, st := range sts {
		if s := model.Status(st.Status); s != model.StatusPlanned && s != model.StatusInProgress {
			continue
		}
		switch {
		case st.Health.CriteriaMet:
			code = max(code, exitCriteriaMet)
			why = append(why, fmt.Sprintf("#%d %s: rollback criteria met (%s)", st.ID, model.SanitizeLine(st.Service), model.SanitizeLine(strings.Join(st.Health.Reasons, "; "))))
		case st.Rollout != nil && (st.Rollout.State == string(model.RolloutHold) || len(st.Rollout.Holds) > 0):
			code = max(code, exitHeld)
			why = append(why, fmt.Sprintf("#%d %s: held by %s", st.ID, model.SanitizeLine(st.Service), strings.Join(st.Rollout.Holds, ", ")))
		}
	}
	if code == 0 {
		return nil
	}
	return verdictExit{code, fmt.Sprintf("%s (--exit-status: %d)", strings.Join(why, "; "), code)}
}
