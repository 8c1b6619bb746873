package warroom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/wish/logging"
	gossh "golang.org/x/crypto/ssh"

	"github.com/octoacme/flightdeck/ui"
)

const (
	// shutdownGrace is how long SIGINT/SIGTERM waits for sessions to quit
	// (their clients get their terminals back) before cutting them off.
	shutdownGrace = 5 * time.Second
	// idleTimeout ends a connection that neither read nor wrote for this
	// long: a dead peer whose writes are stuck. A live dashboard redraws its
	// clock every second, so only a forgotten full-screen view ever gets
	// near it. There is deliberately no maximum session length (E38).
	idleTimeout = time.Hour
	// maxLogin bounds the SSH user name that becomes an actor.
	maxLogin = 64
)

// Options are the flags of flightdeck serve.
type Options struct {
	Listen         string      // HOST:PORT; a port of 0 picks a free one
	AuthorizedKeys string      // OpenSSH public keys allowed to log in
	HostKey        string      // server private key; "" is the default path
	Dark           *bool       // --theme / $FLIGHTDECK_THEME; nil: each client's terminal decides
	Logger         *log.Logger // connections; never the terminal
}

// Served is what the war room serves, opened by the caller (ui/cli): the
// store every session shares, the change signal of other processes'
// commits, and the dashboard settings every session starts from.
type Served struct {
	Store     ui.Store
	Changes   <-chan struct{} // commits by any process; sessions' own writes are announced at once
	Dashboard ui.Options      // Template, Rule, Policy, Updates, Links, Now; Actor and ReadOnly are per session
	// Identity maps an SSH login to the name recorded as the actor and
	// whether that person may only watch.
	Identity func(login string) (name string, viewer bool)
	Database string // named in the start-up banner

	Stdout, Stderr io.Writer
}

// Server is a war room whose keys are loaded, ready to serve.
type Server struct {
	o           Options
	warning     string
	keys        *keyring
	hostPEM     []byte
	hostKeyPath string
	signer      gossh.Signer
	created     bool
	logger      *log.Logger
}

// sshServer is the state shared by every SSH session while serving: one
// store, one change signal, one hub.
type sshServer struct {
	Served
	hub    *hub
	keys   *keyring
	dark   *bool
	logger *log.Logger
}

// New checks the flags and loads the authorized keys and the host key
// (creating it on first run) before anything else is opened, so a refused
// start leaves no database behind.
func New(o Options) (*Server, error) {
	warning, err := ListenWarning(o.Listen)
	if err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	keys, err := newKeyring(o.AuthorizedKeys, logger.Printf)
	if err != nil {
		return nil, err
	}
	hostKeyPath := o.HostKey
	if hostKeyPath == "" {
		if hostKeyPath, err = defaultHostKeyPath(); err != nil {
			return nil, err
		}
	}
	hostPEM, signer, created, err := loadOrCreateHostKey(hostKeyPath)
	if err != nil {
		return nil, err
	}
	return &Server{o: o, warning: warning, keys: keys, hostPEM: hostPEM, hostKeyPath: hostKeyPath,
		signer: signer, created: created, logger: logger}, nil
}

// Serve serves one dashboard per SSH session on the shared store until ctx
// ends (SIGINT, SIGTERM or SIGHUP), then shuts down gracefully.
func (w *Server) Serve(ctx context.Context, o Served) error {
	logger := w.logger
	warning, signer, created, hostKeyPath := w.warning, w.signer, w.created, w.hostKeyPath
	s := &sshServer{Served: o, hub: newHub(), keys: w.keys, dark: w.o.Dark, logger: logger}
	srv, err := wish.NewServer(
		wish.WithHostKeyPEM(w.hostPEM),
		wish.WithPublicKeyAuth(s.authorize),
		wish.WithIdleTimeout(idleTimeout),
		wish.WithMiddleware(
			s.dashboardMiddleware, // runs last: the dashboard itself
			s.gateMiddleware,      // a terminal and no command
			logging.MiddlewareWithLogger(logger),
		),
	)
	if err != nil {
		return err
	}
	// Only public keys: no password, no keyboard-interactive, and with a
	// public-key handler set the server never falls back to "none".
	srv.PasswordHandler, srv.KeyboardInteractiveHandler = nil, nil
	srv.ConnectionFailedCallback = func(c net.Conn, err error) {
		logger.Printf("connection from %s failed: %v", c.RemoteAddr(), err)
	}

	ln, err := net.Listen("tcp", w.o.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", w.o.Listen, err)
	}

	// One change signal for the whole process feeds every session.
	changes := o.Changes
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-changes:
				s.hub.notify()
			}
		}
	}()

	if warning != "" {
		fmt.Fprintln(o.Stderr, "flightdeck serve: warning: "+warning)
	}
	addr := ln.Addr().(*net.TCPAddr)
	verb := "using"
	if created {
		verb = "created"
	}
	fmt.Fprintf(o.Stdout, "flightdeck serve: listening on %s, database %s\n", addr, o.Database)
	fmt.Fprintf(o.Stdout, "host key %s (%s %s)\n", gossh.FingerprintSHA256(signer.PublicKey()), verb, hostKeyPath)
	fmt.Fprintf(o.Stdout, "connect with: %s\n", sshCommand("USER", addr))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		if errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("ssh server: %w", err)
	case <-ctx.Done():
	}

	stopping := time.Now()
	n := s.hub.len()
	fmt.Fprintf(o.Stdout, "flightdeck serve: stopping, %d session(s) open\n", n)
	logger.Printf("stopping: asking %d session(s) to quit", n)
	s.hub.quitAll()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Printf("graceful shutdown: %v; closing the remaining connections", err)
		_ = srv.Close()
	}
	<-served
	logger.Printf("stopped in %v", time.Since(stopping).Round(time.Millisecond))
	return nil
}

// ListenWarning checks --listen and says when it is not loopback-only.
func ListenWarning(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("invalid --listen %q: use HOST:PORT, e.g. 127.0.0.1:2222", addr)
	}
	if strings.EqualFold(host, "localhost") {
		return "", nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return "", nil
	}
	where := host
	if host == "" || host == "0.0.0.0" || host == "::" {
		where = "every network interface"
	}
	return fmt.Sprintf("listening on %s, not only loopback: anyone who can reach %s can try to log in (public keys only); "+
		"use --listen 127.0.0.1:%s and an SSH tunnel unless you mean it", where, addr, port), nil
}

// authorize admits a public key from the authorized-keys file for a sane
// login name; the name becomes the actor, so control characters are refused.
func (s *sshServer) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	login := ctx.User()
	if !validLogin(login) {
		s.logger.Printf("refused login %q from %s: not a usable name", login, ctx.RemoteAddr())
		return false
	}
	ok := s.keys.allows(key, login)
	if !ok {
		s.logger.Printf("refused key %s for %q from %s", gossh.FingerprintSHA256(key), login, ctx.RemoteAddr())
	}
	return ok
}

func validLogin(login string) bool {
	if login == "" || len(login) > maxLogin || strings.TrimSpace(login) != login {
		return false
	}
	for _, r := range login {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// identity maps an SSH login to the name recorded as the actor and whether
// the person may only watch.
func (s *sshServer) identity(login string) (name string, viewer bool) {
	if s.Identity == nil {
		return login, false
	}
	return s.Identity(login)
}

// gateMiddleware turns away sessions the dashboard cannot serve, with one
// line that says what to type instead.
func (s *sshServer) gateMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		addr, _ := sess.LocalAddr().(*net.TCPAddr)
		if len(sess.Command()) > 0 {
			fmt.Fprintf(sess.Stderr(), "flightdeck serve runs only the dashboard, no commands: %s\r\n", sshCommand(sess.User(), addr))
			_ = sess.Exit(2)
			return
		}
		if _, _, ok := sess.Pty(); !ok {
			fmt.Fprintf(sess.Stderr(), "flightdeck needs a terminal: %s\r\n", sshCommand(sess.User(), addr))
			_ = sess.Exit(1)
			return
		}
		next(sess)
	}
}

// sshCommand is how to connect to addr as user.
func sshCommand(user string, addr *net.TCPAddr) string {
	if addr == nil {
		return "ssh -t " + user + "@HOST"
	}
	host := addr.IP.String()
	if addr.IP.To4() == nil {
		host = "[" + host + "]"
	}
	if addr.IP.IsUnspecified() {
		host = "HOST"
	}
	if addr.Port == 22 {
		return fmt.Sprintf("ssh -t %s@%s", user, host)
	}
	return fmt.Sprintf("ssh -t -p %d %s@%s", addr.Port, user, host)
}

// dashboardMiddleware runs one dashboard for the session. It does what
// wish's bubbletea middleware does, but owns the program's whole life, so
// the session is in the hub exactly while its program runs.
func (s *sshServer) dashboardMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.runSession(sess)
		next(sess)
	}
}

func (s *sshServer) runSession(sess ssh.Session) {
	start := time.Now()
	_, windows, _ := sess.Pty()
	// Everything this session starts ends with it: the program, its
	// forwarders, its store calls.
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()

	login := sess.User()
	name, viewer := s.identity(login)
	renderer := bubbletea.MakeRenderer(sess)
	if s.dark != nil {
		renderer.SetHasDarkBackground(*s.dark)
	}
	bells := make(chan struct{}, 1)
	store := sessionStore{Store: s.Store, session: ctx, changed: s.hub.notify, viewer: viewer}
	opts := s.Dashboard
	opts.Actor = name
	opts.Location = sessionLocation(sess.Environ())
	opts.ReadOnly = viewer || opts.ReadOnly
	if viewer {
		opts.ReadOnlyWhy = "you are a viewer in the config's users list"
	}
	opts.History = store // the history and metrics views, tied to the session too
	opts.Renderer = renderer
	opts.Bell = func() {
		select {
		case bells <- struct{}{}:
		default: // one is already ringing
		}
	}

	popts := append(bubbletea.MakeOptions(sess),
		tea.WithAltScreen(),
		tea.WithContext(ctx),
		tea.WithFPS(20), // a 1 s dashboard per session; 60 fps would cost 3x idle CPU (B11, E37)
		tea.WithoutSignalHandler(),
	)
	p := tea.NewProgram(ui.New(store, opts), popts...)
	changes, leave := s.hub.join(p)
	defer leave()

	go forwardSession(ctx, p, changes, windows)
	go ringBells(ctx, sess, bells)

	s.logger.Printf("session %s from %s (%s, key %s): dashboard as %q viewer=%v, set up in %v",
		login, sess.RemoteAddr(), sess.Context().ClientVersion(), keyFingerprint(sess.PublicKey()), name, viewer, time.Since(start).Round(time.Millisecond))
	_, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		s.logger.Printf("session %s from %s: dashboard ended: %v", login, sess.RemoteAddr(), err)
	}
	s.logger.Printf("session %s from %s: dashboard closed", login, sess.RemoteAddr())
}

// forwardSession turns hub signals into reloads and window changes into
// sizes. Send blocks while this program is busy, which holds up this
// session only; it returns when the session ends.
func forwardSession(ctx context.Context, p *tea.Program, changes <-chan struct{}, windows <-chan ssh.Window) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-changes:
			p.Send(ui.DataChanged())
		case w, ok := <-windows:
			if !ok {
				windows = nil // the client went away; ctx ends soon
				continue
			}
			p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
		}
	}
}

// ringBells writes the bell to the client outside the program, so a stuck
// client never holds up a command goroutine.
func ringBells(ctx context.Context, w io.Writer, bells <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-bells:
			_, _ = io.WriteString(w, "\a")
		}
	}
}

// sessionLocation is the client's TZ when it sends one (SendEnv TZ), so
// each person can read times in their own zone; else the server's.
func sessionLocation(env []string) *time.Location {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "TZ="); ok && v != "" {
			if loc, err := time.LoadLocation(strings.TrimPrefix(v, ":")); err == nil {
				return loc
			}
		}
	}
	return time.Local
}

func keyFingerprint(k ssh.PublicKey) string {
	if k == nil {
		return "none"
	}
	return gossh.FingerprintSHA256(k)
}
