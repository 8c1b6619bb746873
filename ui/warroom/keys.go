package warroom

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/adrg/xdg"
	gossh "golang.org/x/crypto/ssh"
)

// authorizedKey is one line of the authorized-keys file.
type authorizedKey struct {
	key gossh.PublicKey
	// logins this key may use: its principals="…", else the one name its
	// comment gives (alice@laptop: alice). Never empty.
	logins []string
}

// matches reports whether this line is key.
func (k authorizedKey) matches(key gossh.PublicKey) bool {
	return bytes.Equal(k.key.Marshal(), key.Marshal())
}

// allows reports whether this line lets key log in as login.
func (k authorizedKey) allows(key gossh.PublicKey, login string) bool {
	if !k.matches(key) {
		return false
	}
	for _, p := range k.logins {
		if p == login {
			return true
		}
	}
	return false
}

// commentLogin is the one login a key without principals= may use: the
// user part of its comment (ssh-keygen writes user@host), if it is a plain
// POSIX-style name.
func commentLogin(comment string) (string, bool) {
	c := strings.TrimSpace(comment)
	if i := strings.IndexByte(c, '@'); i >= 0 {
		c = c[:i]
	}
	if c == "" || len(c) > maxLogin {
		return "", false
	}
	for i, r := range c {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return "", false
		}
	}
	return c, true
}

const authorizedKeysHelp = "one OpenSSH public key per line, e.g. 'cat ~/.ssh/id_ed25519.pub >> FILE'"

// parseAuthorizedKeys reads an OpenSSH authorized_keys file and refuses it
// whole if any line is wrong: wish's own reader would silently refuse every
// key instead (pitfalls E35). The only option understood is
// principals="alice,bob", which binds a key to those logins; without it a
// key logs in only as the name its comment gives. Any other option (from=,
// command=, …) is refused rather than ignored, so nobody believes a
// restriction is enforced when it is not. The file must be the server
// user's or root's and writable by nobody else, as sshd's StrictModes
// demands; so must its directory, unless that is sticky (like /tmp).
//
// A file without keys parses (a reload that empties the file ends every
// session); newKeyring refuses it at start.
func parseAuthorizedKeys(path string) ([]authorizedKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("authorized keys file %s does not exist: create it with %s", path, authorizedKeysHelp)
		}
		return nil, fmt.Errorf("authorized keys file: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("authorized keys file %s is a directory: give the file itself", path)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("authorized keys file %s is writable by others (mode %04o), so anyone could add a key: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	if err := strictOwner(path, fi); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys file: %w", err)
	}
	var keys []authorizedKey
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := parseAuthorizedLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("authorized keys file %s: %w", path, err)
	}
	return keys, nil
}

func errNoKeys(path string) error {
	return fmt.Errorf("authorized keys file %s has no keys, so nobody could log in: add %s", path, authorizedKeysHelp)
}

func parseAuthorizedLine(line string) (authorizedKey, error) {
	pub, comment, options, rest, err := gossh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return authorizedKey{}, fmt.Errorf("not a public key (%v): expected %s", err, authorizedKeysHelp)
	}
	// ParseAuthorizedKey skips lines it cannot read and returns the next
	// good one; a single line must be consumed whole.
	if len(bytes.TrimSpace(rest)) != 0 {
		return authorizedKey{}, errors.New("more than one key on this line")
	}
	k := authorizedKey{key: pub}
	if len(options) == 0 {
		login, ok := commentLogin(comment)
		if !ok {
			return authorizedKey{}, fmt.Errorf("key %s has no principals= and its comment %q names no login: "+
				"write the names it may log in as before it, e.g. principals=\"alice\" %s …", gossh.FingerprintSHA256(pub), comment, pub.Type())
		}
		k.logins = []string{login}
	}
	for _, o := range options {
		v, ok := strings.CutPrefix(o, "principals=")
		if !ok {
			return authorizedKey{}, fmt.Errorf("option %q is not supported by flightdeck serve (only principals=\"login,...\")", o)
		}
		v = strings.Trim(v, `"`)
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				k.logins = append(k.logins, p)
			}
		}
		if len(k.logins) == 0 {
			return authorizedKey{}, errors.New(`principals="" names no login`)
		}
	}
	return k, nil
}

// keyring answers "may this key log in as this user". It re-reads the file
// when it changes, so a key can be revoked without a restart; a file that
// becomes unreadable or wrong refuses everyone until it is fixed (fail
// closed), and says so in the debug log.
type keyring struct {
	path string
	logf func(format string, a ...any)

	mu    sync.Mutex
	keys  []authorizedKey
	mtime time.Time
	size  int64
	ino   uint64
	bad   error
}

func newKeyring(path string, logf func(string, ...any)) (*keyring, error) {
	keys, err := parseAuthorizedKeys(path)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errNoKeys(path)
	}
	kr := &keyring{path: path, logf: logf, keys: keys}
	if fi, err := os.Stat(path); err == nil {
		kr.mtime, kr.size, kr.ino = fi.ModTime(), fi.Size(), inode(fi)
	}
	return kr, nil
}

func (kr *keyring) allows(key gossh.PublicKey, login string) bool {
	known, ok := kr.check(key, login)
	return known && ok
}

// check says whether key is in the file at all and whether it may log in
// as login. A broken file knows no key.
func (kr *keyring) check(key gossh.PublicKey, login string) (known, allowed bool) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	kr.refreshLocked()
	if kr.bad != nil {
		return false, false
	}
	for _, k := range kr.keys {
		if k.matches(key) {
			known = true
			if k.allows(key, login) {
				return true, true
			}
		}
	}
	return known, false
}

// refresh re-reads the file if it changed and reports whether it loaded a
// new set of keys (a broken file loads nothing: open sessions stay, new
// logins are refused until it is fixed).
func (kr *keyring) refresh() bool {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	return kr.refreshLocked()
}

func (kr *keyring) refreshLocked() bool {
	fi, err := os.Stat(kr.path)
	if err != nil {
		kr.fail(err)
		return false
	}
	if kr.bad == nil && fi.ModTime().Equal(kr.mtime) && fi.Size() == kr.size && inode(fi) == kr.ino {
		return false
	}
	keys, err := parseAuthorizedKeys(kr.path)
	if err != nil {
		kr.fail(err)
		return false
	}
	kr.keys, kr.mtime, kr.size, kr.ino, kr.bad = keys, fi.ModTime(), fi.Size(), inode(fi), nil
	if len(keys) == 0 {
		kr.logf("authorized keys reloaded: no keys, so nobody may log in and every session ends")
	} else {
		kr.logf("authorized keys reloaded: %d keys", len(keys))
	}
	return true
}

func (kr *keyring) fail(err error) {
	if kr.bad == nil || kr.bad.Error() != err.Error() {
		kr.logf("refusing every login until the authorized keys file is fixed: %v", err)
	}
	kr.bad = err
}

// defaultHostKeyPath is $XDG_DATA_HOME/flightdeck/ssh_host_ed25519, beside
// the default database.
func defaultHostKeyPath() (string, error) {
	base := os.Getenv("XDG_DATA_HOME")
	if !filepath.IsAbs(base) {
		base = xdg.DataHome
	}
	if base == "" {
		return "", errors.New("cannot find a data directory for the host key: set XDG_DATA_HOME or HOME, or pass --host-key FILE")
	}
	return filepath.Join(base, "flightdeck", "ssh_host_ed25519"), nil
}

// loadOrCreateHostKey returns the server's private host key in PEM,
// generating an ed25519 key on first run (0600, in a 0700 directory if it
// has to create one). A key others can read is refused, as sshd does.
func loadOrCreateHostKey(path string) (pemBytes []byte, signer gossh.Signer, created bool, err error) {
	fi, err := os.Stat(path)
	switch {
	case err == nil:
		if fi.IsDir() {
			return nil, nil, false, fmt.Errorf("host key %s is a directory: give a file", path)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, nil, false, fmt.Errorf("host key %s is accessible by others (mode %04o): chmod 600 %s", path, fi.Mode().Perm(), path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, false, fmt.Errorf("host key: %w", err)
		}
		s, err := gossh.ParsePrivateKey(b)
		if err != nil {
			return nil, nil, false, fmt.Errorf("host key %s is not an unencrypted OpenSSH private key (%v): move it away to generate a new one", path, err)
		}
		return b, s, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, false, fmt.Errorf("host key: %w", err)
	}

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, false, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "flightdeck host key")
	if err != nil {
		return nil, nil, false, fmt.Errorf("generate host key: %w", err)
	}
	b := pem.EncodeToMemory(block)
	if err := writeNewSecret(path, b); err != nil {
		return nil, nil, false, fmt.Errorf("write host key %s: %w", path, err)
	}
	s, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, nil, false, err
	}
	return b, s, true, nil
}

// writeNewSecret writes b to path with mode 0600, never replacing a file:
// it writes a temporary file beside it and links it into place, so a crash
// cannot leave half a key and two servers starting at once keep one key.
func writeNewSecret(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".ssh_host_key-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s appeared while it was being created: start again", path)
		}
		return err
	}
	return nil
}
