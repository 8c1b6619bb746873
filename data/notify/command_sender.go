package notify

// The notify command as a sender: the notice reaches it only in
// environment variables, never argv or a shell string.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// commandSender runs a configured command once per notice.
type commandSender struct {
	name   string
	cmd    *config.Command
	dbPath string
}

func (c commandSender) Name() string { return c.name }

// commandError is a failed run: one that could not start is permanent (a
// wrong path stays wrong); a non-zero exit or a timeout is retried, since
// a script's curl fails for the same reasons an HTTP sender does.
type commandError struct {
	res Result
}

func (e commandError) Error() string   { return "the notify command failed: " + e.res.Summary() }
func (e commandError) Retryable() bool { return e.res.startErr == nil }

func (c commandSender) Send(ctx context.Context, n model.Notice) error {
	res := runCommand(ctx, c.cmd, commandEnv(c.dbPath, noticeEnv(n)))
	if res.interrupted {
		return ctx.Err()
	}
	if !res.OK() {
		return commandError{res}
	}
	return nil
}

// noticeEnv is a notice as the command's variables (notifyVars).
func noticeEnv(n model.Notice) map[string]string {
	env := map[string]string{
		"FLIGHTDECK_EVENT":   string(n.Kind),
		"FLIGHTDECK_KEY":     n.Key,
		"FLIGHTDECK_AT":      n.At.UTC().Format(time.RFC3339),
		"FLIGHTDECK_ACTOR":   n.Actor,
		"FLIGHTDECK_MESSAGE": n.Summary,
		"FLIGHTDECK_TEXT":    n.Text,
		"FLIGHTDECK_REASON":  n.Reason,
	}
	if n.Severity.Valid() {
		env["FLIGHTDECK_SEVERITY"] = n.Severity.Label()
	}
	if i := n.Incident; i != nil {
		env["FLIGHTDECK_INCIDENT"] = i.Ref
		env["FLIGHTDECK_TITLE"] = i.Title
		env["FLIGHTDECK_STATUS"] = string(i.Status)
		env["FLIGHTDECK_COMMANDER"] = i.Commander
	}
	if d := n.Deployment; d != nil {
		env["FLIGHTDECK_DEPLOYMENT"] = strconv.FormatInt(d.ID, 10)
		env["FLIGHTDECK_SERVICE"] = d.Service
		env["FLIGHTDECK_VERSION"] = d.Version
		env["FLIGHTDECK_ENVIRONMENT"] = d.Environment
		env["FLIGHTDECK_STAGE"] = d.Stage
	}
	if s := n.Step; s != nil {
		env["FLIGHTDECK_STEP"] = strconv.Itoa(s.Number)
		env["FLIGHTDECK_ROLE"] = s.Role
		env["FLIGHTDECK_PERSON"] = s.Person
	}
	if !n.Due.IsZero() {
		env["FLIGHTDECK_DUE"] = n.Due.UTC().Format(time.RFC3339)
	}
	if u := n.Update; u != nil {
		env["FLIGHTDECK_CONDITIONS"] = u.Conditions
		env["FLIGHTDECK_ACTIONS"] = u.Actions
		env["FLIGHTDECK_NEEDS"] = u.Needs
	}
	return env
}

// redactSecrets replaces every secret in msg with "[redacted]".
func redactSecrets(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var errNoSender = errors.New("no such sender")
