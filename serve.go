package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/octoacme/flightdeck/data/config"

	tea "github.com/charmbracelet/bubbletea"
	charmlog "github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/wish/logging"
	gossh "golang.org/x/crypto/ssh"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model/mdtemplate"
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

// serveOptions are the flags of flightdeck serve.
type serveOptions struct {
	listen         string
	authorizedKeys string
	hostKey        string
}

// sshServer is the state shared by every SSH session: one store, one
// change watcher, one hub.
type sshServer struct {
	store  *data.Store
	hub    *hub
	keys   *keyring
	cfg    config.Effective
	dark   *bool // --theme / $FLIGHTDECK_THEME; nil: ask each client
	now    func() time.Time
	logger *log.Logger
}

// runServe serves one dashboard per SSH session on the shared database
// until ctx ends (SIGINT, SIGTERM or SIGHUP), then shuts down gracefully.
func runServe(ctx context.Context, a *app, o serveOptions) error {
	dark, err := serveTheme(a.theme, os.Getenv("FLIGHTDECK_THEME"))
	if err != nil {
		return err
	}
	if strings.TrimSpace(o.authorizedKeys) == "" {
		return usagef("serve needs --authorized-keys FILE (only public-key login is allowed): " +
			"put the public key of each person, one per line, in a file, e.g. " +
			"'cat ~/.ssh/id_ed25519.pub >> ~/.config/flightdeck/authorized_keys' " +
			"(no key yet? 'ssh-keygen -t ed25519'), then pass --authorized-keys ~/.config/flightdeck/authorized_keys")
	}
	warning, err := listenWarning(o.listen)
	if err != nil {
		return err
	}
	logger, closeLog, err := serveLogger(a)
	if err != nil {
		return err
	}
	defer closeLog()
	keys, err := newKeyring(o.authorizedKeys, logger.Printf)
	if err != nil {
		return err
	}
	hostKeyPath := o.hostKey
	if hostKeyPath == "" {
		if hostKeyPath, err = defaultHostKeyPath(); err != nil {
			return err
		}
	}
	hostPEM, signer, created, err := loadOrCreateHostKey(hostKeyPath)
	if err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	st, err := a.open(ctx)
	if err != nil {
		return err
	}

	s := &sshServer{store: st, hub: newHub(), keys: keys, cfg: cfg, dark: dark, now: a.now, logger: logger}
	srv, err := wish.NewServer(
		wish.WithHostKeyPEM(hostPEM),
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

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", o.listen, err)
	}

	// One data_version watcher for the whole process feeds every session.
	changes, stopWatch, err := watchChanges(ctx, st)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopWatch()
	// The notifier and the probe (when configured) run once per process,
	// beside the sessions, as they do beside a local dashboard.
	changes, stopBackground := startBackground(ctx, a, st, changes)
	defer stopBackground()
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
		fmt.Fprintln(a.stderr, "flightdeck serve: warning: "+warning)
	}
	addr := ln.Addr().(*net.TCPAddr)
	verb := "using"
	if created {
		verb = "created"
	}
	fmt.Fprintf(a.stdout, "flightdeck serve: listening on %s, database %s\n", addr, st.Path())
	fmt.Fprintf(a.stdout, "host key %s (%s %s)\n", gossh.FingerprintSHA256(signer.PublicKey()), verb, hostKeyPath)
	fmt.Fprintf(a.stdout, "connect with: %s\n", sshCommand("USER", addr))

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
	fmt.Fprintf(a.stdout, "flightdeck serve: stopping, %d session(s) open\n", n)
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

// serveTheme is the theme override for every session: --theme, else
// $FLIGHTDECK_THEME; nil lets each client's terminal decide.
func serveTheme(flag, env string) (*bool, error) {
	v, what := flag, "--theme"
	if strings.TrimSpace(v) == "" {
		v, what = env, "FLIGHTDECK_THEME"
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return nil, nil
	case "dark":
		t := true
		return &t, nil
	case "light":
		f := false
		return &f, nil
	}
	return nil, usagef("invalid %s %q: use dark or light", what, v)
}

// listenWarning checks --listen and says when it is not loopback-only.
func listenWarning(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", usagef("invalid --listen %q: use HOST:PORT, e.g. 127.0.0.1:2222", addr)
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

// serveLogger is where connections are logged: the debug log when asked
// for (--debug or DEBUG=1), else nowhere. Never the terminal.
func serveLogger(a *app) (*log.Logger, func(), error) {
	var w io.Writer = io.Discard
	closeLog := func() {}
	if a.debug || strings.TrimSpace(os.Getenv("DEBUG")) != "" {
		f, err := os.OpenFile("flightdeck-debug.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("debug log: %w", err)
		}
		w, closeLog = f, func() { _ = f.Close() }
	}
	// wish and its middlewares log through charmbracelet/log's default.
	charmlog.SetOutput(w)
	return log.New(w, "flightdeck serve: ", log.LstdFlags|log.Lmicroseconds), closeLog, nil
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
	return s.cfg.DisplayName(login), s.cfg.Viewer(login)
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
	store := sessionStore{Store: dashboardStore{s.store}, session: ctx, changed: s.hub.notify, viewer: viewer}
	opts := ui.Options{
		Actor:       name,
		Now:         func() time.Time { return s.now().Round(0) },
		Location:    sessionLocation(sess.Environ()),
		Template:    mdtemplate.Builtin(),
		Rule:        s.store.Rule(),
		Policy:      s.store.Policy(),
		Updates:     s.cfg.Updates,
		ReadOnly:    viewer,
		ReadOnlyWhy: "you are a viewer in the config's users list",
		History:     store, // the history and metrics views, tied to the session too
		Renderer:    renderer,
		Bell: func() {
			select {
			case bells <- struct{}{}:
			default: // one is already ringing
			}
		},
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
