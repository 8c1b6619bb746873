package warroom

import "testing"

// Issue 13 defect 8: C1 controls and bidi overrides were accepted in SSH
// logins (and so in the names recorded on the timeline).
func TestValidLoginRefusesC1AndBidi(t *testing.T) {
	for _, login := range []string{"al\u202eice", "al\u009bice", "\u2066bob", "a\u200fb", "x\u009d0;t\u009c", "ok\xff"} {
		if validLogin(login) {
			t.Errorf("validLogin(%q) = true", login)
		}
	}
	if !validLogin("عليّ") {
		t.Error("a right-to-left name itself was refused")
	}
}
