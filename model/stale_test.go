package model

import (
	"errors"
	"fmt"
	"testing"
)

func TestStale(t *testing.T) {
	err := fmt.Errorf("promote: %w", Stale("checkout-api is at %s since %s, promoted by %s — nothing changed", "25%", "09:41", "bob"))
	if !errors.Is(err, ErrStale) {
		t.Fatal("a wrapped StaleError must be ErrStale")
	}
	if got, want := err.Error(), "promote: checkout-api is at 25% since 09:41, promoted by bob — nothing changed"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if errors.Is(errors.New("other"), ErrStale) {
		t.Fatal("a plain error is not stale")
	}
}
