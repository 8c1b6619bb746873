package data

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// ErrExists is wrapped by ImportTemplate when the name is taken.
var ErrExists = errors.New("already exists")

// TemplateInfo describes one template for a list.
type TemplateInfo struct {
	Name       string
	Builtin    bool // the OctoAcme template shipped with flightdeck
	Phases     []string
	Items      int
	ImportedBy string    // "" for the built-in
	ImportedAt time.Time // zero for the built-in
	// Problem says why a stored template no longer parses (a newer
	// flightdeck wrote it, or the rules changed); it is "" normally.
	Problem string
}

// ImportTemplate parses src (Markdown task lists under headings, see
// mdtemplate), validates it and stores it as name, with a
// template.imported event. A name already in use is refused with ErrExists
// (see ReplaceTemplate), and so is the built-in's name, always. Errors about
// src are *mdtemplate.Error and match ErrInvalid.
func (s *Store) ImportTemplate(ctx context.Context, name string, src []byte, actor string, at time.Time) (model.Template, error) {
	return s.importTemplate(ctx, name, src, actor, at, false)
}

// ReplaceTemplate is ImportTemplate that replaces a template of the same
// name (or imports it when there is none). Deployments already started keep
// their own copy of the old checklist. The built-in cannot be replaced.
func (s *Store) ReplaceTemplate(ctx context.Context, name string, src []byte, actor string, at time.Time) (model.Template, error) {
	return s.importTemplate(ctx, name, src, actor, at, true)
}

func (s *Store) importTemplate(ctx context.Context, name string, src []byte, actor string, at time.Time, replace bool) (model.Template, error) {
	if err := mdtemplate.CheckName(name); err != nil {
		return model.Template{}, invalid(err)
	}
	if name == mdtemplate.BuiltinName {
		return model.Template{}, invalidf("template %q is built in and cannot be replaced: import under another name", name)
	}
	actor, err := cleanActor(actor)
	if err != nil {
		return model.Template{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Template{}, err
	}
	tpl, err := mdtemplate.Parse(name, src)
	if err != nil {
		return model.Template{}, invalid(err)
	}
	items := len(tpl.Items())
	err = s.write(ctx, "import template", func(tx *sql.Tx) error {
		var prevBy string
		var prevAt sql.NullInt64
		var prevItems int
		err := tx.QueryRowContext(ctx, `SELECT imported_by, imported_at, items FROM templates WHERE name = ?`, name).
			Scan(&prevBy, &prevAt, &prevItems)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read template %q: %w", name, err)
		}
		if exists && !replace {
			return invalid(fmt.Errorf("template %q %w (imported by %s, %s)", name, ErrExists, prevBy,
				fromMS(prevAt).Format("2006-01-02 15:04 UTC")))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO templates (name, source, items, imported_by, imported_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET source = excluded.source, items = excluded.items,
				imported_by = excluded.imported_by, imported_at = excluded.imported_at`,
			name, string(src), items, actor, toMS(at)); err != nil {
			return fmt.Errorf("store template %q: %w", name, err)
		}
		text := model.TextTemplateImported(name, len(tpl.Phases), items)
		if exists {
			text = model.TextTemplateReplaced(name, len(tpl.Phases), items, prevItems, prevBy)
		}
		return appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventTemplateImported, Text: text})
	})
	if err != nil {
		return model.Template{}, err
	}
	return tpl, nil
}

// Template returns the named template: the built-in (mdtemplate.BuiltinName)
// or an imported one. An unknown name wraps ErrNotFound.
func (s *Store) Template(ctx context.Context, name string) (model.Template, error) {
	if name == mdtemplate.BuiltinName {
		return mdtemplate.Builtin(), nil
	}
	var src string
	err := s.db.QueryRowContext(ctx, `SELECT source FROM templates WHERE name = ?`, name).Scan(&src)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Template{}, fmt.Errorf("template %q %w", name, ErrNotFound)
	}
	if err != nil {
		return model.Template{}, s.fail("read template", err)
	}
	tpl, err := mdtemplate.Parse(name, []byte(src))
	if err != nil {
		return model.Template{}, fmt.Errorf("stored template %q no longer reads: %w (import it again with replace)", name, err)
	}
	return tpl, nil
}

// TemplateSource returns the Markdown a template was imported from (the
// embedded seed for the built-in).
func (s *Store) TemplateSource(ctx context.Context, name string) ([]byte, error) {
	if name == mdtemplate.BuiltinName {
		return mdtemplate.BuiltinSource(), nil
	}
	var src string
	err := s.db.QueryRowContext(ctx, `SELECT source FROM templates WHERE name = ?`, name).Scan(&src)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("template %q %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, s.fail("read template", err)
	}
	return []byte(src), nil
}

// Templates lists the built-in template first, then the imported ones by name.
func (s *Store) Templates(ctx context.Context) ([]TemplateInfo, error) {
	b := mdtemplate.Builtin()
	out := []TemplateInfo{{Name: b.Name, Builtin: true, Phases: phaseNames(b), Items: len(b.Items())}}
	rows, err := s.db.QueryContext(ctx, `SELECT name, source, items, imported_by, imported_at FROM templates ORDER BY name`)
	if err != nil {
		return nil, s.fail("list templates", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ti TemplateInfo
		var src string
		var at sql.NullInt64
		if err := rows.Scan(&ti.Name, &src, &ti.Items, &ti.ImportedBy, &at); err != nil {
			return nil, s.fail("list templates", err)
		}
		ti.ImportedAt = fromMS(at)
		if tpl, err := mdtemplate.Parse(ti.Name, []byte(src)); err != nil {
			ti.Problem = err.Error()
		} else {
			ti.Phases, ti.Items = phaseNames(tpl), len(tpl.Items())
		}
		out = append(out, ti)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list templates", err)
	}
	return out, nil
}

func phaseNames(t model.Template) []string {
	names := make([]string, len(t.Phases))
	for i, p := range t.Phases {
		names[i] = p.Name
	}
	return names
}

type exportTemplate struct {
	Name       string `json:"name"`
	Source     string `json:"source"`
	Items      int64  `json:"items"`
	ImportedBy string `json:"imported_by"`
	ImportedAt msTime `json:"imported_at"`
}

// exportTemplates writes the imported templates (the built-in ships with
// flightdeck and is not stored).
func exportTemplates(ctx context.Context, tx *sql.Tx, w *bufio.Writer) error {
	return exportTable(ctx, tx, w, "templates", `SELECT name, source, items, imported_by, imported_at FROM templates ORDER BY name`,
		func(r *sql.Rows, t *exportTemplate) error {
			return r.Scan(&t.Name, &t.Source, &t.Items, &t.ImportedBy, &t.ImportedAt)
		})
}
