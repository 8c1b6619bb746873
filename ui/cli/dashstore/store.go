// Package dashstore adapts the SQLite store (data) to the Store the
// dashboard declares (ui). It is wiring, so it lives under ui/cli, the one
// place that joins ui and data; tests of ui and ui/warroom use it to run on
// a real temporary-file store.
package dashstore

import (
	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/ui"
)

// Store is the SQLite store as the dashboard sees it.
type Store struct{ *data.Store }

var _ ui.Store = Store{}

// New wraps st.
func New(st *data.Store) Store { return Store{st} }
