package model

import (
	"errors"
	"fmt"
)

// ErrStale marks a decision that was refused because the state it was made
// on has moved on: someone else promoted, resolved or acknowledged first.
// Nothing was written. The error's text says who changed what and when
// ("checkout-api is at 25% since 09:41, promoted by bob — nothing
// changed"), so the person can look again and decide anew.
var ErrStale = errors.New("the state changed before this action")

// StaleError is an ErrStale with the sentence to show.
type StaleError struct{ Msg string }

func (e *StaleError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrStale) true.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

// Stale builds a StaleError from a format.
func Stale(format string, a ...any) error { return &StaleError{Msg: fmt.Sprintf(format, a...)} }
