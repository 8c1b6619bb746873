package mdtemplate

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
)

// MaxNameLen is the longest template name.
const MaxNameLen = 40

// CheckName accepts names people can type after --template: 1 to 40
// lowercase ASCII letters, digits and '-', not starting with '-'
// ([a-z0-9][a-z0-9-]{0,39}).
func CheckName(name string) error {
	ok := name != "" && len(name) <= MaxNameLen && name[0] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return fmt.Errorf("template name %q is not valid: use 1 to %d lowercase letters, digits and '-', starting with a letter or digit, e.g. team-api", name, MaxNameLen)
	}
	return nil
}

// NameFromPath suggests a template name from a file name: the base name
// without its extension, lowercased, with runs of spaces, '_' and '.' turned
// into one '-' ("Team API_v2.md" → "team-api-v2"). The result may still fail
// CheckName (e.g. non-ASCII letters); then the caller asks for a name.
func NameFromPath(path string) string {
	base := filepath.Base(filepath.ToSlash(path))
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.TrimSuffix(base, filepath.Ext(base))
	fields := strings.FieldsFunc(strings.ToLower(base), func(r rune) bool {
		return unicode.IsSpace(r) || r == '_' || r == '.' || r == '-'
	})
	return strings.Join(fields, "-")
}
