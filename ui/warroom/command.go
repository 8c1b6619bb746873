package warroom

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/charmbracelet/ssh"

	"github.com/octoacme/flightdeck/model"
)

// Identity is who an SSH session is: the login its key is bound to, the
// name the configuration gives it, the actor its actions are recorded as
// ("Alice Liddell (ssh SHA256:uCv0YwT2)") and whether it may only watch.
type Identity struct {
	Login, Name, Actor string
	Viewer             bool
}

// Command is one command line an SSH client sent and the session's streams.
type Command struct {
	Args           []string // split as a shell would (ssh joins its arguments with spaces)
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Terminal       bool // the client asked for a terminal (ssh -t)
}

// CommandFunc runs one CLI command an SSH client sent (ssh host deploy
// status) as who, on the server's store, and returns its exit status. It
// returns soon after ctx ends (the client went away). ui/cli provides it;
// the war room knows nothing of commands.
type CommandFunc func(ctx context.Context, who Identity, c Command) int

// sessionIdentity is the session's identity, from the login its key is
// bound to (authorize) and never from anything else the client says.
func (s *sshServer) sessionIdentity(sess ssh.Session) Identity {
	name, viewer := s.identity(sess.User())
	return Identity{Login: sess.User(), Name: name, Actor: actorFor(name, sess.PublicKey()), Viewer: viewer}
}

// runCommand runs the session's command with the CLI and sends its exit
// status back. The command's output goes to the session's stdout and
// stderr as it is written; with a terminal, newlines become CR LF.
func (s *sshServer) runCommand(sess ssh.Session) {
	start := time.Now()
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	who := s.sessionIdentity(sess)
	args := sess.Command()
	c := Command{Args: args, Stdin: sess, Stdout: sess, Stderr: sess.Stderr()}
	if _, _, pty := sess.Pty(); pty {
		c.Stdout, c.Stderr, c.Terminal = crlfWriter{c.Stdout}, crlfWriter{c.Stderr}, true
	}
	shown := model.SanitizeLine(strings.Join(args, " "))
	s.logger.Printf("command %s from %s (key %s) as %q viewer=%v: %s",
		who.Login, sess.RemoteAddr(), keyFingerprint(sess.PublicKey()), who.Actor, who.Viewer, shown)
	code := s.Command(ctx, who, c)
	// Whatever it wrote shows in every dashboard at once.
	s.hub.notify()
	s.logger.Printf("command %s from %s: exit %d after %v: %s", who.Login, sess.RemoteAddr(), code, time.Since(start).Round(time.Millisecond), shown)
	_ = sess.Exit(code)
}

// crlfWriter turns \n into \r\n for a client whose terminal is raw.
type crlfWriter struct{ w io.Writer }

func (c crlfWriter) Write(p []byte) (int, error) {
	if _, err := c.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// noCommands is what a client that sent a command hears when the server
// runs no commands (Served.Command is nil).
func noCommands(sess ssh.Session, addr *net.TCPAddr) {
	fmt.Fprintf(sess.Stderr(), "flightdeck serve runs only the dashboard, no commands: %s\r\n", sshCommand(model.SanitizeLine(sess.User()), addr))
	_ = sess.Exit(2)
}
