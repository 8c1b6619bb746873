package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

func newTemplateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "template",
		Short: "Import, list and show checklist templates written in Markdown",
		Long: "A checklist template is Markdown: level-2 headings are phases (\"## Pre-Deployment\"),\n" +
			"level-3 headings are sections, task-list lines (\"- [ ] item\") are the items, and a plain\n" +
			"list under a level-3 heading is guidance shown with its phase (like the seed's\n" +
			"\"When to Rollback\"). The built-in template, octoacme, is the OctoAcme checklist; it is\n" +
			"always there and cannot be replaced.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usagef("unknown template command %q: see flightdeck template --help", args[0])
		},
	}
	cmd.AddCommand(newTemplateImportCmd(a), newTemplateListCmd(a), newTemplateShowCmd(a))
	return cmd
}

func newTemplateImportCmd(a *app) *cobra.Command {
	var name string
	var replace, dryRun bool
	cmd := &cobra.Command{
		Use:   "import FILE.md",
		Short: "Import a Markdown checklist as a template",
		Long: "Import FILE.md (or - for stdin, with --name) as a checklist template named after the file (\"Team API.md\" becomes\n" +
			"team-api) or --name NAME: 1 to 40 lowercase letters, digits and '-'. A name already in\n" +
			"use needs --replace; deployments already started keep the checklist they began with.\n" +
			"Phases flightdeck acts on are Pre-Deployment (gates the rollout), Deployment Execution\n" +
			"and Rollback; other phases are kept as plain checklists. A whole document such as the\n" +
			"seed imports cleanly: sections without task items are left out.\n\n" +
			"Headings: with items under a level-2 heading, level-2 headings are phases and deeper\n" +
			"ones sections; with several level-1 headings over items, level-1 headings are phases; with\n" +
			"neither, the file is one phase and every heading a section. A nested task line is an item\n" +
			"\"Parent › Child\"; tables and plain lists are guidance; HTML comments are ignored.\n" +
			"--dry-run prints the phases, sections, item counts and warnings and writes nothing.\n\n" +
			"Refused with exit 2, naming FILE:LINE where there is one: a missing file or a directory, a\n" +
			"file that is empty, over 1 MiB, not UTF-8 text, or binary; a checklist without items, with\n" +
			"the same item twice in one section, or with two phases of the same name.",
		Example: "  flightdeck template import team-api.md --dry-run\n" +
			"  flightdeck template import team-api.md\n" +
			"  flightdeck template import checklists/web.md --name web --replace\n" +
			"  flightdeck deploy start api v1.4.2 --template team-api",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("template import needs one Markdown FILE, e.g. flightdeck template import team-api.md")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			file := model.SanitizeLine(path)
			if path == "-" {
				file = "stdin"
				if !cmd.Flags().Changed("name") {
					return usagef("template import - reads the template from stdin and needs --name NAME, e.g. flightdeck template import - --name team-api < team-api.md")
				}
			}
			if cmd.Flags().Changed("name") {
				name = strings.TrimSpace(name)
				if err := mdtemplate.CheckName(name); err != nil {
					return usagef("--name: %v", err)
				}
			} else {
				name = mdtemplate.NameFromPath(path)
				if mdtemplate.CheckName(name) != nil {
					return usagef("cannot make a template name from %s: pass --name NAME (1 to %d lowercase letters, digits and '-', e.g. --name team-api)",
						file, mdtemplate.MaxNameLen)
				}
			}
			if name == mdtemplate.BuiltinName {
				return usagef("%s is the built-in template and cannot be replaced: import under another name with --name NAME", name)
			}
			var src []byte
			var err error
			if path == "-" {
				src, err = readTemplateStdin(a.stdinReader())
			} else {
				src, err = readTemplateFile(path)
			}
			if err != nil {
				return err
			}
			// Parse before opening the database, naming the file in errors.
			parsed, warnings, err := mdtemplate.Inspect(name, src)
			if err != nil {
				return fileError(err, file)
			}
			if dryRun {
				writeDryRun(a.stdout, a.stderr, file, parsed, warnings)
				noteValue(cmd.Context(), func() any { return newTemplateDetailJSON(parsed, "dry-run") })
				return nil
			}
			for _, w := range warnings {
				fmt.Fprintf(a.stderr, "warning: %s:%d: %s\n", file, w.Line, model.SanitizeLine(w.Text))
			}
			ctx := cmd.Context()
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			verb := "imported"
			var tpl model.Template
			if replace {
				if _, err := s.TemplateSource(ctx, name); err == nil {
					verb = "replaced"
				}
				tpl, err = s.ReplaceTemplate(ctx, name, src, a.actor(), a.now())
			} else {
				tpl, err = s.ImportTemplate(ctx, name, src, a.actor(), a.now())
			}
			if errors.Is(err, data.ErrExists) {
				return usagef("%v: pass --replace to replace it", err)
			}
			if err != nil {
				return fileError(err, file)
			}
			writeImported(a.stdout, a.stderr, verb, file, tpl)
			noteValue(ctx, func() any { return newTemplateDetailJSON(tpl, verb) })
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "template name (default: the file name without extension, lowercased, spaces as -)")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace a template of the same name")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be imported (phases, sections, items, warnings) and write nothing")
	return cmd
}

// writeDryRun is what `template import --dry-run` prints: each phase with
// its sections' item counts and guidance, then the warnings, with lines.
func writeDryRun(stdout, stderr io.Writer, file string, tpl model.Template, warnings []mdtemplate.Warning) {
	items := tpl.Items()
	fmt.Fprintf(stdout, "would import template %q from %s: %s, %s (dry run: nothing written)\n", tpl.Name, file,
		plural(len(tpl.Phases), "phase", "phases"), plural(len(items), "item", "items"))
	for _, p := range tpl.Phases {
		n := 0
		for _, s := range p.Sections {
			n += len(s.Items)
		}
		fmt.Fprintf(stdout, "  %s: %s\n", model.SanitizeLine(p.Name), plural(n, "item", "items"))
		for _, s := range p.Sections {
			fmt.Fprintf(stdout, "    %s: %s\n", model.SanitizeLine(s.Name), plural(len(s.Items), "item", "items"))
		}
		for _, g := range p.Guidance {
			fmt.Fprintf(stdout, "    guidance %s: %s\n", model.SanitizeLine(cmp.Or(g.Title, p.Name)), plural(len(g.Lines), "line", "lines"))
		}
	}
	if len(warnings) == 0 {
		fmt.Fprintln(stdout, "no warnings")
	}
	for _, w := range warnings {
		fmt.Fprintf(stdout, "warning: %s:%d: %s\n", file, w.Line, model.SanitizeLine(w.Text))
	}
	fmt.Fprintf(stderr, "import it: flightdeck template import %s --name %s\n", file, tpl.Name)
}

// readTemplateFile reads at most one byte over the size limit, so a huge
// file or a device is refused without reading it all.
func readTemplateFile(path string) ([]byte, error) {
	file := model.SanitizeLine(path)
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usagef("%s does not exist: give the path of a Markdown file", file)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("cannot read %s: permission denied", file)
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %v", file, pathErrCause(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", file, pathErrCause(err))
	}
	if fi.IsDir() {
		return nil, usagef("%s is a directory: give the Markdown file to import, e.g. %s", file, model.SanitizeLine(filepath.Join(path, "checklist.md")))
	}
	if fi.Mode().IsRegular() {
		if err := mdtemplate.CheckSize(fi.Size()); err != nil {
			return nil, fileError(err, file)
		}
	}
	src, err := io.ReadAll(io.LimitReader(f, mdtemplate.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", file, pathErrCause(err))
	}
	return src, nil
}

// readTemplateStdin reads a template piped in ("template import -"), at
// most one byte over the size limit.
func readTemplateStdin(r io.Reader) ([]byte, error) {
	src, err := io.ReadAll(io.LimitReader(r, mdtemplate.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the template from stdin: %v", err)
	}
	if err := mdtemplate.CheckSize(int64(len(src))); err != nil {
		return nil, fileError(err, "stdin")
	}
	return src, nil
}

func pathErrCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fileError names the file in what is wrong with its Markdown (exit 2).
func fileError(err error, file string) error {
	var pe *mdtemplate.Error
	if errors.As(err, &pe) {
		return usageError{pe.AtLine(file)}
	}
	return cliError(err)
}

func writeImported(stdout, stderr io.Writer, verb, file string, tpl model.Template) {
	items := tpl.Items()
	fmt.Fprintf(stdout, "%s template %q from %s: %s, %s\n", verb, tpl.Name, file,
		plural(len(tpl.Phases), "phase", "phases"), plural(len(items), "item", "items"))
	var other []string
	for _, p := range tpl.Phases {
		n := 0
		var sections []string
		for _, s := range p.Sections {
			n += len(s.Items)
			sections = append(sections, model.SanitizeLine(s.Name))
		}
		line := fmt.Sprintf("  %s: %s (%s)", model.SanitizeLine(p.Name), plural(n, "item", "items"), strings.Join(sections, ", "))
		if len(p.Guidance) > 0 {
			var titles []string
			for _, g := range p.Guidance {
				titles = append(titles, model.SanitizeLine(cmp.Or(g.Title, "guidance")))
			}
			line += "; guidance: " + strings.Join(titles, ", ")
		}
		fmt.Fprintln(stdout, line)
		if !isKnownPhase(p.Name) {
			other = append(other, fmt.Sprintf("%q", model.SanitizeLine(p.Name)))
		}
	}
	fmt.Fprintf(stderr, "start a deployment with it: flightdeck deploy start SERVICE VERSION --template %s\n", tpl.Name)
	if len(other) > 0 {
		kept := "is kept as a plain checklist"
		if len(other) > 1 {
			kept = "are kept as plain checklists"
		}
		fmt.Fprintf(stderr, "note: flightdeck acts on the phases %s (Pre-Deployment gates the rollout); %s %s\n",
			strings.Join(mdtemplate.KnownPhases, ", "), strings.Join(other, ", "), kept)
	}
}

func isKnownPhase(name string) bool {
	for _, k := range mdtemplate.KnownPhases {
		if name == k {
			return true
		}
	}
	return false
}

// templateJSON is the stable shape of `template list --json`.
type templateJSON struct {
	Name       string   `json:"name"`
	Builtin    bool     `json:"builtin"`
	Phases     []string `json:"phases"`
	Items      int      `json:"items"`
	ImportedBy *string  `json:"imported_by"` // null for the built-in
	ImportedAt jsonTime `json:"imported_at"` // null for the built-in
	Problem    *string  `json:"problem"`     // why a stored template no longer reads, else null
}

func newTemplateListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the templates: the built-in one first, then the imported ones",
		Long: "List every template with its phases, item count and who imported it when.\n" +
			"--json prints an array with snake_case keys and RFC 3339 UTC times; imported_by and\n" +
			"imported_at are null for the built-in template.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openRead(cmd.Context())
			if err != nil {
				return err
			}
			list, err := s.Templates(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]templateJSON, 0, len(list))
				for _, ti := range list {
					tj := templateJSON{Name: ti.Name, Builtin: ti.Builtin, Phases: append([]string{}, ti.Phases...), Items: ti.Items,
						ImportedAt: jsonTime(ti.ImportedAt)}
					if !ti.Builtin {
						by := ti.ImportedBy
						tj.ImportedBy = &by
					}
					if ti.Problem != "" {
						p := ti.Problem
						tj.Problem = &p
					}
					out = append(out, tj)
				}
				return writeJSON(a.stdout, out)
			}
			now := a.now()
			tw := a.table()
			fmt.Fprintln(tw, "NAME\tITEMS\tIMPORTED\tPHASES")
			for _, ti := range list {
				imported := "built in"
				if !ti.Builtin {
					imported = fmt.Sprintf("%s, %s", model.SanitizeLine(ti.ImportedBy), clock(ti.ImportedAt, now))
				}
				phases := make([]string, len(ti.Phases))
				for i, p := range ti.Phases {
					phases[i] = model.SanitizeLine(p)
				}
				desc := strings.Join(phases, " · ")
				if ti.Problem != "" {
					desc = "unreadable: " + model.SanitizeLine(ti.Problem)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", ti.Name, ti.Items, imported, desc)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

func newTemplateShowCmd(a *app) *cobra.Command {
	var markdown bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a template's phases, sections, items and guidance",
		Long: "Show the template NAME as a deployment will get it: phases, sections and items, with\n" +
			"each phase's guidance. --markdown prints the Markdown it was imported from instead —\n" +
			"a starting point for your own: flightdeck template show octoacme --markdown > team.md",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("template show needs a template NAME: see flightdeck template list")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := a.openRead(ctx)
			if err != nil {
				return err
			}
			name := strings.ToLower(strings.TrimSpace(args[0]))
			if markdown {
				src, err := s.TemplateSource(ctx, name)
				if err != nil {
					return templateLookupError(ctx, s, name, err)
				}
				_, err = a.stdout.Write([]byte(model.SanitizeText(string(src))))
				return err
			}
			tpl, err := s.Template(ctx, name)
			if err != nil {
				return templateLookupError(ctx, s, name, err)
			}
			info := "built in"
			if list, err := s.Templates(ctx); err == nil {
				for _, ti := range list {
					if ti.Name == name && !ti.Builtin {
						info = fmt.Sprintf("imported by %s, %s", model.SanitizeLine(ti.ImportedBy), clock(ti.ImportedAt, a.now()))
					}
				}
			}
			writeTemplate(a.stdout, tpl, info)
			noteValue(ctx, func() any { return newTemplateDetailJSON(tpl, "") })
			return nil
		},
	}
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the Markdown source instead")
	return cmd
}

func writeTemplate(w io.Writer, tpl model.Template, info string) {
	fmt.Fprintf(w, "template %s — %s in %s (%s)\n", tpl.Name,
		plural(len(tpl.Items()), "item", "items"), plural(len(tpl.Phases), "phase", "phases"), info)
	for _, p := range tpl.Phases {
		n := 0
		for _, s := range p.Sections {
			n += len(s.Items)
		}
		fmt.Fprintf(w, "\n%s (%d)\n", model.SanitizeLine(p.Name), n)
		for _, g := range p.Guidance {
			fmt.Fprintf(w, "  %s (guidance)\n", model.SanitizeLine(cmp.Or(g.Title, "Guidance")))
			for _, l := range g.Lines {
				fmt.Fprintf(w, "    · %s\n", model.SanitizeLine(l))
			}
		}
		for _, s := range p.Sections {
			fmt.Fprintf(w, "  %s\n", model.SanitizeLine(s.Name))
			for _, it := range s.Items {
				fmt.Fprintf(w, "    [ ] %s\n", model.SanitizeLine(it))
			}
		}
	}
}

// loadTemplate is --template NAME: "" is the built-in; an unknown name is
// bad usage that lists the names there are.
func loadTemplate(ctx context.Context, s *data.Store, name string) (model.Template, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return mdtemplate.Builtin(), nil
	}
	tpl, err := s.Template(ctx, name)
	if err != nil {
		return tpl, templateLookupError(ctx, s, name, err)
	}
	return tpl, nil
}

func templateLookupError(ctx context.Context, s *data.Store, name string, err error) error {
	if !errors.Is(err, data.ErrNotFound) {
		return err
	}
	var names []string
	if list, lerr := s.Templates(ctx); lerr == nil {
		for _, ti := range list {
			names = append(names, ti.Name)
		}
	}
	return usagef("no template named %q: the templates are %s (import one with flightdeck template import FILE.md)",
		model.SanitizeLine(name), strings.Join(names, ", "))
}
