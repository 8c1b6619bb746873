package config

// Bounds on what a configuration file may cost to read. Every command loads
// the file, and the YAML parser is neither linear in the number of entries
// of one mapping nor bounded in nesting (40,000 users: took over a minute;
// 60,000 levels of '[' exhausted memory). So before parsing, one linear pass
// over the lexer's tokens refuses a file that is too big, too deeply nested
// or has too many entries, naming the line and the limit.

import (
	"fmt"

	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
)

const (
	// MaxConfigBytes is the largest configuration file read: a team's file
	// with a few hundred users is well under 100 KiB.
	MaxConfigBytes = 1 << 20
	// MaxConfigDepth is the deepest nesting of mappings and lists, flow
	// ([ ], { }) and block (indented) together; the real schema needs 5.
	MaxConfigDepth = 64
	// MaxConfigEntries is how many keys and list items the whole file may
	// hold (4,000 users are 8,001). The parser's cost grows faster than the
	// entries of one mapping; this bound keeps it under a second.
	MaxConfigEntries = 10000
)

// checkLimits refuses src before the parser sees it when it breaks a limit.
// It costs one pass of the lexer, which is linear in the bytes.
func (l *loader) checkLimits(src []byte) error {
	if len(src) > MaxConfigBytes {
		return &ConfigError{File: l.file, Msg: fmt.Sprintf("the file is %d bytes, more than the %d (1 MiB) a configuration may have: remove what flightdeck does not need (a config names the escalation path, plans, rules, links and up to a few thousand users)", len(src), MaxConfigBytes)}
	}
	var (
		flow    int   // open '[' and '{'
		block   []int // columns of the enclosing block mappings and lists
		entries int
		prev    *token.Token
	)
	for _, tk := range lexer.Tokenize(string(src)) {
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.DocumentHeaderType:
			flow, block = 0, block[:0]
		case token.SequenceEntryType, token.MappingValueType, token.CollectEntryType:
			entries++
			if entries > MaxConfigEntries {
				return l.errAt(tk, nil, "more than %d keys and list items: a configuration needs far fewer (is a generated list pasted in?)", MaxConfigEntries)
			}
			if flow == 0 && tk.Type != token.CollectEntryType && tk.Position != nil {
				col := tk.Position.Column
				if tk.Type == token.MappingValueType && prev != nil && prev.Position != nil && prev.Position.Line == tk.Position.Line {
					col = prev.Position.Column // a key's level is where the key starts
				}
				for len(block) > 0 && block[len(block)-1] > col {
					block = block[:len(block)-1]
				}
				if len(block) == 0 || block[len(block)-1] < col {
					block = append(block, col)
				}
			}
		}
		if flow+len(block) > MaxConfigDepth {
			return l.errAt(tk, nil, "nested more than %d levels deep: flightdeck's settings nest at most a few levels; close the brackets or unindent", MaxConfigDepth)
		}
		prev = tk
	}
	return nil
}
