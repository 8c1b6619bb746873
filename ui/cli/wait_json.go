package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// waitEventJSON is one line of `deploy wait --json`. Every line has event,
// at, deployment_id and status; a "change" line has the rollout's place
// (null before it starts); the one "done" line has outcome and exit_code.
type waitEventJSON struct {
	Event        string   `json:"event"` // "change" or "done"
	At           jsonTime `json:"at"`
	DeploymentID int64    `json:"deployment_id"`
	Status       string   `json:"status"`      // the deployment's: planned, in_progress, completed, rolled_back, aborted
	Stage        *int     `json:"stage"`       // 1-based; null before the rollout starts
	StageCount   *int     `json:"stage_count"` // null before the rollout starts
	StageLabel   *string  `json:"stage_label"` // "25%"; null before the rollout starts
	State        *string  `json:"state"`       // the rollout's state as deploy status --json gives it; null before it starts
	Text         string   `json:"text"`        // the line deploy wait prints without --json
	Outcome      *string  `json:"outcome"`     // done: completed, rolling_back, rolled_back, aborted, timeout, interrupted, error
	ExitCode     *int     `json:"exit_code"`   // done: the process's exit code
}

func waitRolloutJSON(ctx context.Context, a *app, s *data.Store, id int64, timeout time.Duration) error {
	line := func(v waitEventJSON) {
		_ = writeJSONLine(a.stdout, v)
	}
	err := waitRollout(ctx, a, s, id, timeout, func(v rolloutView, now time.Time, text string) {
		ev := waitEventJSON{Event: "change", At: jsonTime(now), DeploymentID: id, Status: string(v.d.Status), Text: text}
		if v.has {
			st := v.status(now)
			stage, n, label, state := st.Stage+1, st.StageCount, st.StageLabel, string(st.State)
			ev.Stage, ev.StageCount, ev.StageLabel, ev.State = &stage, &n, &label, &state
		}
		line(ev)
	})
	now := a.now()
	done := waitEventJSON{Event: "done", At: jsonTime(now), DeploymentID: id}
	// Read the deployment afresh (ctx may be cancelled by an interrupt).
	if d, derr := s.Deployment(context.WithoutCancel(ctx), id); derr == nil {
		done.Status = string(d.Status)
		if v, verr := loadRolloutView(context.WithoutCancel(ctx), s, d); verr == nil {
			done.Text, _ = waitLine(v, now)
		}
	}
	code, outcome := exitOK, done.Status
	var we waitExit
	switch {
	case err == nil:
	case errors.As(err, &we):
		code = we.code
		done.Text = we.msg
		switch we.code {
		case exitTimeout:
			outcome = "timeout"
		case exitInterrupted:
			outcome = "interrupted"
		default:
			if done.Status == string(model.StatusInProgress) {
				outcome = "rolling_back"
			}
		}
	default:
		code, outcome = exitFail, "error"
		done.Text = err.Error()
	}
	done.Outcome, done.ExitCode = &outcome, &code
	line(done)
	return err
}

// writeJSONLine writes v as one line of compact JSON (JSON Lines), in one
// write, so a reader sees each line as soon as it is printed.
func writeJSONLine(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(cleanJSON(buf.Bytes()))
	return err
}
