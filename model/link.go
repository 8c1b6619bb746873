package model

// Link is a named link from the seed's "Resources" (runbooks, infrastructure
// docs, monitoring dashboards, on-call schedule). Unset marks a placeholder
// nobody configured yet; Hint keeps the seed's wording for it.
type Link struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Unset bool   `json:"unset,omitempty"`
	Hint  string `json:"hint,omitempty"`
}
