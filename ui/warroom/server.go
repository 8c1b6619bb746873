package warroom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/wish/logging"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/ui"
)

const (
	// shutdownGrace is how long SIGINT/SIGTERM waits for sessions to quit
	// (their clients get their terminals back) before cutting them off.
	shutdownGrace = 5 * time.Second
	// There is deliberately no maximum session length (E38); the idle
	// timeout (Options.IdleTimeout) ends only connections with no traffic.
	//
	// keyPoll is how often the authorized-keys file is checked for
	// changes, so that removing a key ends its sessions within seconds.
	keyPoll = time.Second
	// revokeGrace is how long a session whose key was removed has to
	// quit cleanly before its connection is cut.
	revokeGrace = 2 * time.Second
	// maxLogin bounds the SSH user name that becomes an actor.
	maxLogin = 64
)

// Options are the flags of flightdeck serve.
type Options struct {
	Listen         string      // HOST:PORT; a port of 0 picks a free one
	AuthorizedKeys string      // OpenSSH public keys allowed to log in
	HostKey        string      // server private key; "" is the default path
	Dark           *bool       // --theme / $FLIGHTDECK_THEME; nil: the client's FLIGHTDECK_THEME, else dark
	Logger         *log.Logger // connections; never the terminal
	// IdleTimeout ends a connection with no traffic either way for this
	// long; 0 never does (--idle-timeout, DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxSessions bounds the dashboards served at once (--max-sessions);
	// 0 is DefaultMaxSessions.
	MaxSessions int
	// LoginGrace and MaxUnauthenticated bound connections that have not
	// logged in; 0 is DefaultLoginGrace, DefaultMaxUnauthenticated.
	LoginGrace         time.Duration
	MaxUnauthenticated int
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
	// Command runs a CLI command a client sent (ssh host deploy status);
	// nil refuses every command.
	Command CommandFunc

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

	maxSessions, maxUnauth int
	loginGrace             time.Duration
	sessions, unauth       atomic.Int64 // dashboards running, connections not logged in
	conns                  atomic.Int64
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
	ln, err := net.Listen("tcp", w.o.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", w.o.Listen, err)
	}
	return w.serve(ctx, o, ln)
}

func (w *Server) serve(ctx context.Context, o Served, ln net.Listener) error {
	logger := w.logger
	warning, signer, created, hostKeyPath := w.warning, w.signer, w.created, w.hostKeyPath
	s := &sshServer{Served: o, hub: newHub(), keys: w.keys, dark: w.o.Dark, logger: logger,
		maxSessions: orInt(w.o.MaxSessions, DefaultMaxSessions), maxUnauth: orInt(w.o.MaxUnauthenticated, DefaultMaxUnauthenticated),
		loginGrace: w.o.LoginGrace}
	if s.loginGrace <= 0 {
		s.loginGrace = DefaultLoginGrace
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPEM(w.hostPEM),
		wish.WithPublicKeyAuth(s.authorize),
		wish.WithIdleTimeout(max(w.o.IdleTimeout, 0)),
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
	srv.ConnCallback = s.admit
	srv.ServerConfigCallback = s.serverConfig
	// Sessions only, their requests filtered; no direct-tcpip channel, no
	// tcpip-forward or streamlocal request: every kind of forwarding is
	// answered with failure.
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{
		"session": func(srv *ssh.Server, conn *gossh.ServerConn, ch gossh.NewChannel, ctx ssh.Context) {
			who := fmt.Sprintf("%s from %s", conn.User(), conn.RemoteAddr())
			ssh.DefaultSessionHandler(srv, conn, guardedChannel{NewChannel: ch, logf: logger.Printf, who: who}, ctx)
		},
	}
	srv.RequestHandlers = map[string]ssh.RequestHandler{}
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
	srv.LocalPortForwardingCallback, srv.ReversePortForwardingCallback = nil, nil

	// A key removed from the file (or no longer allowed for its login)
	// ends its sessions.
	go func() {
		t := time.NewTicker(keyPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if s.keys.refresh() {
					if n := s.hub.revoke(s.keys.allows); n > 0 {
						logger.Printf("authorized keys changed: ended %d session(s) whose key no longer allows them", n)
					}
				}
			}
		}
	}()

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

func orInt(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// admit is the first thing a TCP connection meets: beyond the caps it is
// told why and closed; else it gets the login-grace deadline.
func (s *sshServer) admit(ctx ssh.Context, c net.Conn) net.Conn {
	if n := s.unauth.Add(1); n > int64(s.maxUnauth) {
		s.unauth.Add(-1)
		s.logger.Printf("refused connection from %s: %d connections are already logging in", c.RemoteAddr(), s.maxUnauth)
		refuseConn(c, fmt.Sprintf("flightdeck serve: too many connections logging in at once (%d); try again in a minute", s.maxUnauth))
		return nil
	}
	if n := s.conns.Add(1); n > int64(s.maxSessions+s.maxUnauth) {
		s.conns.Add(-1)
		s.unauth.Add(-1)
		s.logger.Printf("refused connection from %s: %d connections open", c.RemoteAddr(), n-1)
		refuseConn(c, fmt.Sprintf("flightdeck serve: too many connections (%d); close one of yours or try again later", n-1))
		return nil
	}
	g := &connGuard{Conn: c}
	var unauthOnce sync.Once
	g.release = func() { unauthOnce.Do(func() { s.unauth.Add(-1) }) }
	closed := sync.OnceFunc(func() { s.conns.Add(-1) })
	grace := s.loginGrace
	g.timer.Store(time.AfterFunc(grace, func() {
		if !g.authed.Load() {
			s.logger.Printf("connection from %s did not log in within %v: closed", c.RemoteAddr(), grace)
			g.banner(fmt.Sprintf("flightdeck serve: no login within %v; connection closed", grace))
			_ = g.Close()
		}
	}))
	ctx.SetValue(guardKey{}, g)
	return &closeHook{connGuard: g, closed: closed}
}

// closeHook counts the connection closed once, however often it is closed.
type closeHook struct {
	*connGuard
	closed func()
}

func (c *closeHook) Close() error {
	c.closed()
	return c.connGuard.Close()
}

// serverConfig is the per-connection SSH configuration: it keeps the
// connection's pre-auth handle (for refusal messages) and notes when it
// has logged in.
func (s *sshServer) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	g := guardOf(ctx)
	return &gossh.ServerConfig{
		MaxAuthTries: 6, // sshd's default
		PreAuthConnCallback: func(c gossh.ServerPreAuthConn) {
			if g != nil {
				g.preAuth.Store(&c)
			}
		},
		AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
			if err == nil && g != nil {
				g.loggedIn()
			}
		},
	}
}

// authorize admits a public key from the authorized-keys file for a sane
// login name that the key is bound to; the name becomes the actor, so
// control characters are refused. A known key asking for a name it is not
// bound to is told how to bind it (the message does not say which names
// it is bound to: anyone may hold a public key).
func (s *sshServer) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	login := ctx.User()
	g := guardOf(ctx)
	if !validLogin(login) {
		s.logger.Printf("refused login %q from %s: not a usable name", login, ctx.RemoteAddr())
		if g != nil {
			g.banner(fmt.Sprintf("flightdeck serve: %q is not a usable login name (at most %d characters, no control characters)", login, maxLogin))
		}
		return false
	}
	known, ok := s.keys.check(key, login)
	switch {
	case !known:
		s.logger.Printf("refused key %s for %q from %s: not in the authorized keys file", gossh.FingerprintSHA256(key), login, ctx.RemoteAddr())
	case !ok:
		s.logger.Printf("refused key %s for %q from %s: the key is not bound to that login", gossh.FingerprintSHA256(key), login, ctx.RemoteAddr())
		if g != nil {
			g.banner(fmt.Sprintf("flightdeck serve: key %s may not log in as %q. A key logs in only as the names in its principals=\"…\", "+
				"or without one as the name its comment gives (alice@laptop: alice); to allow it, name %s in the principals=\"…\" before the key in %s (e.g. principals=\"alice,%s\")",
				gossh.FingerprintSHA256(key), login, login, s.keys.path, login))
		}
	}
	return known && ok
}

func validLogin(login string) bool {
	if login == "" || len(login) > maxLogin || strings.TrimSpace(login) != login {
		return false
	}
	// The shared input rule: no controls, no bidi overrides, valid UTF-8.
	return model.CheckLine("login", login) == nil && !strings.ContainsRune(login, unicode.ReplacementChar)
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
			if s.Command == nil {
				noCommands(sess, addr)
				return
			}
			s.runCommand(sess) // with or without a terminal
			return
		}
		if _, _, ok := sess.Pty(); !ok {
			fmt.Fprintf(sess.Stderr(), "flightdeck needs a terminal: %s\r\n", sshCommand(model.SanitizeLine(sess.User()), addr))
			_ = sess.Exit(1)
			return
		}
		if n := s.sessions.Add(1); n > int64(s.maxSessions) {
			s.sessions.Add(-1)
			s.logger.Printf("refused session %s from %s: %d sessions open, the most allowed", sess.User(), sess.RemoteAddr(), s.maxSessions)
			fmt.Fprintf(sess.Stderr(), "flightdeck serve: the war room is full (%d dashboards open, the most --max-sessions allows); close one or ask whoever runs it to raise --max-sessions\r\n", s.maxSessions)
			_ = sess.Exit(1)
			return
		}
		defer s.sessions.Add(-1)
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

	// The login is the one the key is bound to (authorize); who the person
	// is and whether they only watch follow from it, never from anything
	// else the client says.
	login := sess.User()
	name, viewer := s.identity(login)
	renderer := s.renderer(sess)
	bells := make(chan struct{}, 1)
	store := newSessionStore(s.Store, ctx, s.hub.notify, viewer)
	opts := s.Dashboard
	opts.Actor = actorFor(name, sess.PublicKey())
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
	var revoked atomic.Bool
	changes, leave := s.hub.join(p, member{key: sess.PublicKey(), login: login, end: func() {
		revoked.Store(true)
		go p.Quit()
		time.AfterFunc(revokeGrace, func() { // a stuck program: cut the connection
			if c, ok := sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn); ok {
				_ = c.Close()
			}
		})
	}})
	defer leave()

	go forwardSession(ctx, p, changes, windows)
	go ringBells(ctx, sess, bells)

	s.logger.Printf("session %s from %s (%s, key %s): dashboard as %q viewer=%v, set up in %v",
		login, sess.RemoteAddr(), sess.Context().ClientVersion(), keyFingerprint(sess.PublicKey()), name, viewer, time.Since(start).Round(time.Millisecond))
	_, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		s.logger.Printf("session %s from %s: dashboard ended: %v", login, sess.RemoteAddr(), err)
	}
	if revoked.Load() {
		fmt.Fprintf(sess.Stderr(), "flightdeck serve: key %s no longer allows logging in as %q (changed in %s); session ended\r\n",
			keyFingerprint(sess.PublicKey()), login, s.keys.path)
		_ = sess.Exit(1)
	}
	s.logger.Printf("session %s from %s: dashboard closed", login, sess.RemoteAddr())
}

// renderer styles one session without asking its terminal anything: a
// client that answers no query (or answers slowly) gets its first frame at
// once. The colour profile comes from the client's TERM and COLORTERM, the
// background from --theme, else the client's FLIGHTDECK_THEME (ssh -o
// SetEnv=FLIGHTDECK_THEME=light), else dark.
func (s *sshServer) renderer(sess ssh.Session) *lipgloss.Renderer {
	pty, _, _ := sess.Pty()
	env := append(sess.Environ(), "TERM="+pty.Term)
	opts := []termenv.OutputOption{termenv.WithEnvironment(sshEnviron(env)), termenv.WithUnsafe(), termenv.WithColorCache(true)}
	if pty.Term == "" || pty.Term == "dumb" {
		opts = append(opts, termenv.WithProfile(termenv.Ascii))
	}
	r := lipgloss.NewRenderer(sess, opts...)
	r.SetColorProfile(termenv.NewOutput(sess, opts...).EnvColorProfile())
	dark := true
	if s.dark != nil {
		dark = *s.dark
	} else if v := sshEnviron(sess.Environ()).Getenv("FLIGHTDECK_THEME"); strings.EqualFold(v, "light") {
		dark = false
	}
	r.SetHasDarkBackground(dark)
	return r
}

// sshEnviron is a session's environment as termenv reads it.
type sshEnviron []string

func (e sshEnviron) Environ() []string { return e }

func (e sshEnviron) Getenv(k string) string {
	for _, v := range e {
		if val, ok := strings.CutPrefix(v, k+"="); ok {
			return val
		}
	}
	return ""
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
