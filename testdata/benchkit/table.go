package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// A row is one measure on one engine: flightdeck's figure per round at 1×
// and at the big scale, and its reference's figure in the same rounds.
type row struct {
	measure, engine string
	ref             string // the reference's name; "" when there is none
	unit            string
	higher          bool // more is better (writes/s)
	flat            bool // no history: one line, no 10×/1× (--help, the floor)
	noRatio         bool // the reference is context, not a bar (the floor's View is a few ns)
	worst           bool // an absolute bar holds for every round, not the median
	fd, refv        map[bool][]float64
	bars            []bar
}

type barKind int

const (
	barAbs   barKind = iota // flightdeck's median against a limit
	barRatio                // flightdeck / reference
	barFlat                 // big / 1×: nothing that was flat may grow
)

type bar struct {
	kind  barKind
	limit float64
}

// flatLimit is how far a figure may move from 1× to 10× and still count as
// flat: the issue measured 0.9–1.04× where it is; a shared 2-core machine
// needs some room on top.
const flatLimit = 1.10

func newRow(measure, engine, ref, unit string, bars ...bar) *row {
	return &row{measure: measure, engine: engine, ref: ref, unit: unit,
		fd: map[bool][]float64{}, refv: map[bool][]float64{}, bars: bars}
}

func (r *row) add(big bool, fd, ref float64) {
	r.fd[big] = append(r.fd[big], fd)
	if r.ref != "" {
		r.refv[big] = append(r.refv[big], ref)
	}
}

func (b bar) String(r *row) string {
	cmp := "≤"
	if r.higher {
		cmp = "≥"
	}
	switch b.kind {
	case barAbs:
		if r.higher {
			cmp = ">"
		} else {
			cmp = "<"
		}
		if b.limit == 0 {
			return "none in any round"
		}
		return cmp + " " + trimFloat(b.limit) + " " + r.unit
	case barRatio:
		return fmt.Sprintf("%s %s× %s", cmp, trimFloat(b.limit), r.ref)
	default:
		return fmt.Sprintf("flat (%s %s×)", cmp, trimFloat(flatBound(b.limit, r.higher)))
	}
}

func flatBound(limit float64, higher bool) float64 {
	if higher {
		return 1 / limit
	}
	return limit
}

// pass says whether the line for big meets b; ok is false when the bar
// does not apply there (a flatness bar on the 1× line).
func (b bar) pass(r *row, big bool) (passed, ok bool) {
	better := func(v, limit float64) bool {
		if r.higher {
			return v >= limit
		}
		return v <= limit
	}
	switch b.kind {
	case barAbs:
		if len(r.fd[big]) == 0 {
			return false, false
		}
		v := median(r.fd[big])
		if r.worst && r.higher {
			v = slices.Min(r.fd[big])
		} else if r.worst {
			v = slices.Max(r.fd[big])
		}
		return better(v, b.limit), true
	case barRatio:
		rs := ratios(r.fd[big], r.refv[big])
		if len(rs) == 0 {
			return false, false
		}
		return better(median(rs), b.limit), true
	default:
		if !big {
			return false, false
		}
		rs := ratios(r.fd[true], r.fd[false])
		if len(rs) == 0 {
			return false, false
		}
		return better(median(rs), flatBound(b.limit, r.higher)), true
	}
}

// ratios pairs a and b round by round (interleaved rounds: both saw the
// same machine); when the counts differ, the medians are paired once.
func ratios(a, b []float64) []float64 {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	if len(a) != len(b) {
		return []float64{median(a) / median(b)}
	}
	rs := make([]float64, len(a))
	for i := range a {
		rs[i] = a[i] / b[i]
	}
	return rs
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is "median (min–max)", or the one value.
func spread(xs []float64, unit string) string {
	if len(xs) == 0 {
		return "—"
	}
	scale := 1.0
	if unit == "ms" { // shown in the unit its median reads best in
		switch m := median(xs); {
		case m < 0.001:
			scale, unit = 1e6, "ns"
		case m < 1:
			scale, unit = 1e3, "µs"
		}
	}
	m := fmtVal(median(xs)*scale, unit) + " " + unit
	if len(xs) == 1 {
		return m
	}
	return fmt.Sprintf("%s (%s–%s)", m, fmtVal(slices.Min(xs)*scale, unit), fmtVal(slices.Max(xs)*scale, unit))
}

func spreadRatio(xs []float64) string {
	xs = slices.DeleteFunc(slices.Clone(xs), func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) })
	if len(xs) == 0 {
		return "—"
	}
	m := fmt.Sprintf("%.2f×", median(xs))
	if len(xs) == 1 {
		return m
	}
	return fmt.Sprintf("%s (%.2f–%.2f)", m, slices.Min(xs), slices.Max(xs))
}

func fmtVal(v float64, unit string) string {
	switch unit {
	case "%":
		return fmt.Sprintf("%.2f", v)
	case "MB":
		return fmt.Sprintf("%.1f", v)
	case "writes/s", "B/s", "B", "actions":
		return fmt.Sprintf("%.0f", v)
	}
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func trimFloat(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// printTable writes the Markdown table and returns how many bars were missed.
func printTable(w io.Writer, c *config, rows []*row) int {
	big := fmt.Sprintf("%d×", c.scale)
	hasBig := slices.ContainsFunc(rows, func(r *row) bool { return len(r.fd[true]) > 0 })
	head := []string{"measure", "engine", "history", "flightdeck", "reference", "ratio", big + " / 1×", "bar"}
	if !hasBig { // 1× alone: no growth to show
		head = slices.Delete(head, 6, 7)
	}
	if c.check {
		head = append(head, "result")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| "+strings.Join(head, " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat(" --- |", len(head)))
	failed := 0
	for _, r := range rows {
		scales := []bool{false, true}
		if r.flat {
			scales = []bool{false}
		}
		for _, b := range scales {
			if len(r.fd[b]) == 0 {
				continue
			}
			hist, engine := "1×", r.engine
			if b {
				hist = big
			}
			if r.flat {
				hist = "—"
			}
			ref, ratio := "—", "—"
			if r.ref != "" {
				ref = r.ref + " " + spread(r.refv[b], r.unit)
				if !r.noRatio {
					ratio = spreadRatio(ratios(r.fd[b], r.refv[b]))
				}
			}
			flat := "—"
			if b {
				flat = spreadRatio(ratios(r.fd[true], r.fd[false]))
			}
			var bars, verdict []string
			for _, x := range r.bars {
				if x.kind == barFlat && !b {
					continue
				}
				bars = append(bars, x.String(r))
				if p, ok := x.pass(r, b); ok && !p {
					verdict = append(verdict, "FAIL "+x.String(r))
					failed++
				}
			}
			cells := []string{r.measure, engine, hist, spread(r.fd[b], r.unit), ref, ratio, flat, orDash(strings.Join(bars, "; "))}
			if !hasBig {
				cells = slices.Delete(cells, 6, 7)
			}
			if c.check {
				v := "pass"
				if len(bars) == 0 {
					v = "—"
				}
				if len(verdict) > 0 {
					v = strings.Join(verdict, "; ")
				}
				cells = append(cells, v)
			}
			fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
		}
	}
	if c.check {
		fmt.Fprintf(w, "\n%d bars missed.\n", failed)
	}
	return failed
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
