package notify

// How a notice reaches a command (the notify command, the probe): only in
// environment variables.

import (
	"os"
	"strconv"
	"strings"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

func deploymentEnv(env map[string]string, d model.Deployment) {
	env["FLIGHTDECK_DEPLOYMENT"] = strconv.FormatInt(d.ID, 10)
	env["FLIGHTDECK_SERVICE"] = d.Service
	env["FLIGHTDECK_VERSION"] = d.Version
	env["FLIGHTDECK_ENVIRONMENT"] = d.Environment
}

// notifyVars are every variable a notify or probe command may get; all are
// set (empty when they do not apply), so a script under `set -u` works, and
// values inherited from the parent's environment never leak in.
var notifyVars = []string{
	"FLIGHTDECK_EVENT", "FLIGHTDECK_KEY", "FLIGHTDECK_AT", "FLIGHTDECK_ACTOR", "FLIGHTDECK_MESSAGE", "FLIGHTDECK_TEXT",
	"FLIGHTDECK_REASON", "FLIGHTDECK_INCIDENT", "FLIGHTDECK_TITLE", "FLIGHTDECK_STATUS", "FLIGHTDECK_COMMANDER",
	"FLIGHTDECK_SEVERITY", "FLIGHTDECK_STEP", "FLIGHTDECK_ROLE", "FLIGHTDECK_PERSON",
	"FLIGHTDECK_DEPLOYMENT", "FLIGHTDECK_SERVICE", "FLIGHTDECK_VERSION", "FLIGHTDECK_ENVIRONMENT",
	"FLIGHTDECK_STAGE", "FLIGHTDECK_DUE", "FLIGHTDECK_CONDITIONS", "FLIGHTDECK_ACTIONS", "FLIGHTDECK_NEEDS",
}

// commandEnv is this process's environment with the event's variables —
// the only way event data reaches a command: never through argv or a shell
// string. FLIGHTDECK_DB names the database so a script can call flightdeck
// on it; db is Store.DSN. A PostgreSQL DSN goes without its password, which
// scripts would print with it (a chat message, a CI log); when the DSN held
// one, it goes as PGPASSWORD instead, where flightdeck, psql and every
// libpq tool look for it and nobody prints it by accident.
func commandEnv(db string, vars map[string]string) []string {
	dsn, password := data.ScriptDSN(db), data.DSNPassword(db)
	drop := map[string]bool{"FLIGHTDECK_DB": true}
	if password != "" {
		drop["PGPASSWORD"] = true
	}
	for _, k := range notifyVars {
		drop[k] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	for _, k := range notifyVars {
		env = append(env, k+"="+envValue(vars[k]))
	}
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	return append(env, "FLIGHTDECK_DB="+dsn)
}

// envValue keeps a value to one line of printable text (model.SanitizeLine,
// the one sanitiser): a NUL would make the variable impossible to pass, a
// newline would break naive scripts, and an escape sequence would reach
// whatever terminal or chat the script prints to.
func envValue(s string) string { return model.SanitizeLine(s) }
