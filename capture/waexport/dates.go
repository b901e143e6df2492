package waexport

import (
	"fmt"
	"strings"
	"time"
)

// shape groups the headers of a file whose dates are written alike: the same
// layout (Android or iOS), separator, year position and year width. The
// day/month order is decided per shape, so a file that mixes "16.03.2022"
// and "3/16/22", or an iOS and an Android export, reads both.
type shape struct {
	bracket   bool
	sep       byte
	yearFirst bool
	yearWidth int
}

func shapeOf(h *header) shape {
	yf := false
	switch {
	case h.w[0] >= 3:
		yf = true
	case h.w[2] >= 3:
	default:
		yf = h.f[0] > 31 && h.f[2] <= 31
	}
	yw := h.w[2]
	if yf {
		yw = h.w[0]
	}
	return shape{h.bracket, h.sep, yf, yw}
}

// fields returns the two fields that are not the year, in written order,
// and the year.
func (s shape) fields(h *header) (a, b, y, yw int) {
	if s.yearFirst {
		return h.f[1], h.f[2], h.f[0], h.w[0]
	}
	return h.f[0], h.f[1], h.f[2], h.w[2]
}

// decision is the day/month order of a shape, and how its dates are written.
type decision struct {
	dayFirst     bool
	mixed        bool // dates tell both orders: decided per date (see perDate)
	assumed      bool // no date told, the order was assumed
	padA, padB   bool // the non-year fields are written with leading zeros
	bareA, bareB bool // ... or without
	short        bool // two-digit years
}

// decide reads the day/month order of one shape from its headers (in file
// order). A first field above 12 means day first, a second field above 12
// month first; when both occur (two exports run together), the caller's
// DayFirst decides, else each date takes the order of the nearest date that
// tells. When neither occurs:
//
//  1. the caller's DayFirst decides;
//  2. year-first dates are year/month/day;
//  3. dates with a leading zero (03/01/2020), a four-digit year or a
//     separator other than '/' are day first: the en-US layout, the only
//     common month-first one, is 1/29/18;
//  4. otherwise (1/2/21) the order under which the dates go backwards less
//     often wins, and month first when that does not tell.
func decide(s shape, hs []*header, o Options) decision {
	var df, mf int
	d := decision{short: true}
	for _, h := range hs {
		a, b, _, yw := s.fields(h)
		if a > 12 && a <= 31 && b <= 12 {
			df++
		}
		if b > 12 && b <= 31 && a <= 12 {
			mf++
		}
		ia, ib := 0, 1
		if s.yearFirst {
			ia, ib = 1, 2
		}
		d.padA = d.padA || h.w[ia] == 2 && h.f[ia] < 10
		d.padB = d.padB || h.w[ib] == 2 && h.f[ib] < 10
		d.bareA = d.bareA || h.w[ia] == 1
		d.bareB = d.bareB || h.w[ib] == 1
		d.short = d.short && yw == 2
	}
	switch {
	case df > 0 && mf == 0:
		d.dayFirst = true
		return d
	case mf > 0 && df == 0:
		return d
	case df > 0 && mf > 0:
		if o.DayFirst != nil {
			d.dayFirst = *o.DayFirst
			return d
		}
		// Two exports run together: each date takes the order of the
		// nearest date that tells.
		d.mixed = true
		return d
	}
	d.assumed = df == 0 && mf == 0
	switch {
	case s.yearFirst:
		return d
	case o.DayFirst != nil:
		d.dayFirst = *o.DayFirst
		return d
	case d.padA || d.padB || !d.short || s.sep != '/':
		d.dayFirst = true
		return d
	}
	back := func(dayFirst bool) int {
		n, prev := 0, 0
		for _, h := range hs {
			a, b, y, _ := s.fields(h)
			d, m := b, a
			if dayFirst {
				d, m = a, b
			}
			if m < 1 || m > 12 || d < 1 || d > 31 {
				continue
			}
			k := y*10000 + m*100 + d
			if k < prev {
				n++
			}
			prev = k
		}
		return n
	}
	d.dayFirst = back(true) < back(false)
	return d
}

// resolveDates decides the order of every shape, sets each record's time or
// rejects it, and returns the layouts seen, in order of first appearance.
func (p *parser) resolveDates(res *Result) []string {
	byShape := map[shape][]*record{}
	var order []shape
	for _, r := range p.recs {
		if r.reject != "" {
			continue
		}
		s := shapeOf(&r.h)
		if _, ok := byShape[s]; !ok {
			order = append(order, s)
		}
		byShape[s] = append(byShape[s], r)
	}
	decisions := map[shape]decision{}
	var perDate map[*record]bool
	for _, s := range order {
		rs := byShape[s]
		hs := make([]*header, len(rs))
		for i, r := range rs {
			hs[i] = &r.h
		}
		d := decide(s, hs, p.o)
		decisions[s] = d
		res.OrderAssumed = res.OrderAssumed || d.assumed
		if d.mixed {
			if perDate == nil {
				perDate = map[*record]bool{}
			}
			nearest(s, rs, perDate)
		}
	}
	type layoutKey struct {
		s                            shape
		comma, twelve, sec, dayFirst bool
	}
	var layouts []string
	seen := map[layoutKey]bool{}
	for _, r := range p.recs {
		if r.reject != "" {
			continue
		}
		s := shapeOf(&r.h)
		d := decisions[s]
		if d.mixed {
			d.dayFirst = perDate[r]
		}
		if reason := r.setTime(s, d.dayFirst, p.o.Location); reason != "" {
			r.reject = reason
			continue
		}
		if k := (layoutKey{s, r.h.comma, r.h.mer != 0, r.h.hasSec, d.dayFirst}); !seen[k] && len(layouts) < 8 {
			seen[k] = true
			layouts = append(layouts, layout(&r.h, s, d))
		}
	}
	return layouts
}

// nearest decides the order of each date of a shape whose dates tell both
// orders: a date that tells keeps its order; one that does not takes the
// order of the last date before it that told, or of the first after it.
func nearest(s shape, rs []*record, out map[*record]bool) {
	tells := func(r *record) int {
		a, b, _, _ := s.fields(&r.h)
		switch {
		case a > 12 && a <= 31 && b <= 12:
			return 1
		case b > 12 && b <= 31 && a <= 12:
			return -1
		}
		return 0
	}
	last := 0
	for _, r := range rs {
		if t := tells(r); t != 0 {
			last = t
			break
		}
	}
	for _, r := range rs {
		if t := tells(r); t != 0 {
			last = t
		}
		out[r] = last > 0
	}
}

// setTime computes the record's time in loc, or says why it cannot.
func (r *record) setTime(s shape, dayFirst bool, loc *time.Location) string {
	a, b, y, yw := s.fields(&r.h)
	d, m := b, a
	if dayFirst {
		d, m = a, b
	}
	how := "month/day/year"
	switch {
	case s.yearFirst && dayFirst:
		how = "year/day/month"
	case s.yearFirst:
		how = "year/month/day"
	case dayFirst:
		how = "day/month/year"
	}
	switch yw {
	case 2:
		y += 2000
	case 4:
	default:
		return fmt.Sprintf("date %s has a %d-digit year", r.h.date(), yw)
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return fmt.Sprintf("date %s does not exist (read as %s)", r.h.date(), how)
	}
	if t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
		return fmt.Sprintf("date %s does not exist (read as %s)", r.h.date(), how)
	}
	r.when = time.Date(y, time.Month(m), d, r.h.hour, r.h.min, r.h.sec, 0, loc)
	r.wall = wallClock(y, m, d, r.h.hour, r.h.min, r.h.sec)
	return ""
}

// layout describes a header's layout, e.g. "[d/m/yyyy, h:mm:ss a]" or
// "dd.mm.yy, HH:mm -".
func layout(h *header, s shape, d decision) string {
	first, second := "m", "d"
	if d.dayFirst {
		first, second = "d", "m"
	}
	// Two digits unless a date shows the field without a leading zero; a
	// field whose padding never shows is written like the other one.
	if !d.bareA && (d.padA || !d.bareB) {
		first += first
	}
	if !d.bareB && (d.padB || !d.bareA) {
		second += second
	}
	var parts [3]string
	if s.yearFirst {
		parts = [3]string{strings.Repeat("y", h.w[0]), first, second}
	} else {
		parts = [3]string{first, second, strings.Repeat("y", h.w[2])}
	}
	var b strings.Builder
	if h.bracket {
		b.WriteByte('[')
	}
	b.WriteString(strings.Join(parts[:], string(h.sep)))
	if h.comma {
		b.WriteByte(',')
	}
	b.WriteByte(' ')
	if h.mer != 0 {
		b.WriteString("h:mm")
	} else {
		b.WriteString("HH:mm")
	}
	if h.hasSec {
		b.WriteString(":ss")
	}
	if h.mer != 0 {
		b.WriteString(" a")
	}
	if h.bracket {
		b.WriteString("]")
	} else {
		b.WriteString(" -")
	}
	return b.String()
}
