package pglisten

import (
	"net/url"
	"strings"
)

// redactedError is an error whose text was scrubbed of the password. It
// keeps no cause to unwrap to: pgx's connection errors carry the
// connection's configuration, password included.
type redactedError struct{ msg string }

func (e *redactedError) Error() string { return e.msg }

// scrub describes err with the password of the Listener's configuration
// replaced, in every form a DSN can spell it, by xxxxx (as pgx redacts).
// pgx itself keeps the password out of its errors; this is for a Connect
// of the caller's that wraps an error with its DSN, and for pgx's own
// slips.
func (l *Listener) scrub(what string, err error) error {
	return &redactedError{msg: redact(what+": "+err.Error(), l.o.Config.Password)}
}

func redact(s, password string) string {
	if password == "" {
		return s
	}
	userinfo := strings.TrimPrefix(url.UserPassword("", password).String(), ":")
	for _, form := range []string{password, url.QueryEscape(password), url.PathEscape(password), userinfo} {
		s = strings.ReplaceAll(s, form, "xxxxx")
	}
	return s
}
