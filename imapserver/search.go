package imapserver

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/custos-archive/custos/store"
	"github.com/emersion/go-imap/v2"
	goimap "github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// SEARCH runs in two steps. The store first narrows the folder to the
// copies that can match, with conditions on its indexed columns (the item's
// time for SINCE, BEFORE, ON and their SENT forms, the size for LARGER and
// SMALLER); then every key is checked exactly, in Go, on what is left.
//
// Text keys (TEXT, BODY, SUBJECT, FROM, TO, CC, BCC, HEADER) are matched
// here, not by the full-text index: IMAP asks for case-insensitive
// substrings of the MIME text ("rice" finds "price"), while the index holds
// whole, diacritic-folded words of the item's text — it would find both
// more and less than IMAP promises. Dates are compared as IMAP says, by
// the calendar date in the message's own time zone, so the store's window
// is widened by 14 hours on each side and the exact test follows.

// maxZone is the largest UTC offset in use (+14:00, Kiribati).
const maxZone = 14 * time.Hour

// prefilter returns store conditions that every copy matching c meets (a
// superset of the matches), or nil when the store cannot narrow.
func prefilter(c *imap.SearchCriteria) store.Cond {
	var and store.And
	for _, since := range []time.Time{c.Since, c.SentSince} {
		if !since.IsZero() {
			from := since.Add(-maxZone)
			and.Conds = append(and.Conds, store.TimeIn{Field: "sent", From: &from})
		}
	}
	for _, before := range []time.Time{c.Before, c.SentBefore} {
		if !before.IsZero() {
			to := before.Add(maxZone)
			and.Conds = append(and.Conds, store.TimeIn{Field: "sent", To: &to})
		}
	}
	if sz := sizeCond(c); sz != nil {
		and.Conds = append(and.Conds, sz)
	}
	for i := range c.Not {
		if exactInStore(&c.Not[i]) {
			if x := prefilter(&c.Not[i]); x != nil {
				and.Conds = append(and.Conds, store.Not{C: x})
			}
		}
	}
	for _, or := range c.Or {
		a, b := prefilter(&or[0]), prefilter(&or[1])
		if a != nil && b != nil {
			and.Conds = append(and.Conds, store.Or{Conds: []store.Cond{a, b}})
		}
	}
	if len(and.Conds) == 0 {
		return nil
	}
	return and
}

func sizeCond(c *imap.SearchCriteria) store.Cond {
	if c.Larger == 0 && c.Smaller == 0 {
		return nil
	}
	var sz store.SizeIn
	if c.Larger > 0 {
		n := c.Larger + 1
		sz.Min = &n
	}
	if c.Smaller > 0 {
		n := c.Smaller - 1
		sz.Max = &n
	}
	return sz
}

// exactInStore reports whether prefilter(c) holds exactly for the matches
// of c (so its negation is a superset of NOT c): only sizes qualify.
func exactInStore(c *imap.SearchCriteria) bool {
	if len(c.SeqNum) > 0 || len(c.UID) > 0 || !c.Since.IsZero() || !c.Before.IsZero() || !c.SentSince.IsZero() ||
		!c.SentBefore.IsZero() || len(c.Header) > 0 || len(c.Body) > 0 || len(c.Text) > 0 || len(c.Flag) > 0 ||
		len(c.NotFlag) > 0 || c.ModSeq != nil || (c.Larger == 0 && c.Smaller == 0 && len(c.Not) == 0 && len(c.Or) == 0) {
		return false
	}
	for i := range c.Not {
		if !exactInStore(&c.Not[i]) {
			return false
		}
	}
	for _, or := range c.Or {
		if !exactInStore(&or[0]) || !exactInStore(&or[1]) {
			return false
		}
	}
	return true
}

// needsMessage reports whether checking c needs the stored copy (its time,
// header or text), beyond its sequence number, UID and size.
func needsMessage(c *imap.SearchCriteria) bool {
	if !c.Since.IsZero() || !c.Before.IsZero() || !c.SentSince.IsZero() || !c.SentBefore.IsZero() ||
		len(c.Header) > 0 || len(c.Body) > 0 || len(c.Text) > 0 || c.Larger > 0 || c.Smaller > 0 {
		return true
	}
	for i := range c.Not {
		if needsMessage(&c.Not[i]) {
			return true
		}
	}
	for _, or := range c.Or {
		if needsMessage(&or[0]) || needsMessage(&or[1]) {
			return true
		}
	}
	return false
}

func (s *session) Search(kind goimap.NumKind, c *imap.SearchCriteria, o *imap.SearchOptions) (*imap.SearchData, error) {
	data := &imap.SearchData{}
	var seqs imap.SeqSet
	var uids imap.UIDSet
	add := func(m msgRef) {
		seqs.AddNum(m.seq)
		uids.AddNum(imap.UID(m.uid))
		n := m.seq
		if kind == goimap.NumKindUID {
			n = m.uid
		}
		if data.Min == 0 || n < data.Min {
			data.Min = n
		}
		if n > data.Max {
			data.Max = n
		}
		data.Count++
	}
	sel := s.sel
	if sel != nil && sel.folder.ID != 0 && len(sel.uids) > 0 {
		pre := prefilter(c)
		if s.srv.noPrefilter {
			pre = nil
		}
		cands, err := s.srv.st.SearchUIDs(s.ctx, sel.folder.ID, pre)
		if err != nil {
			return nil, s.internal("searching", err)
		}
		isCand := make(map[uint32]bool, len(cands))
		for _, u := range cands {
			isCand[u] = true
		}
		var todo []msgRef
		for i, u := range sel.uids {
			if isCand[u] {
				todo = append(todo, msgRef{uint32(i) + 1, u})
			}
		}
		maxSeq, maxUID := uint32(len(sel.uids)), sel.uids[len(sel.uids)-1]
		if !needsMessage(c) {
			for _, m := range todo {
				if s.match(c, &candidate{msgRef: m, maxSeq: maxSeq, maxUID: maxUID}) {
					add(m)
				}
			}
		} else {
			seqOf := make(map[uint32]uint32, len(todo))
			list := make([]uint32, len(todo))
			for i, m := range todo {
				seqOf[m.uid] = m.seq
				list[i] = m.uid
			}
			err := s.srv.st.CopiesByUID(s.ctx, sel.folder.ID, list, func(cp store.Copy) error {
				m := &candidate{msgRef: msgRef{seqOf[cp.UID], cp.UID}, maxSeq: maxSeq, maxUID: maxUID, copy: &cp}
				if s.match(c, m) {
					add(m.msgRef)
				}
				return m.err
			})
			if err != nil {
				return nil, s.internal("searching", err)
			}
		}
	}
	if kind == goimap.NumKindUID {
		data.All = uids
	} else {
		data.All = seqs
	}
	return data, nil
}

// candidate is a message being checked, with what was read of it so far.
type candidate struct {
	msgRef
	maxSeq, maxUID uint32
	copy           *store.Copy
	header         *mail.Header
	body           *string // lower-cased text of the text parts
	err            error
}

func (m *candidate) size() int64 {
	if m.copy == nil {
		return 0
	}
	return m.copy.Size
}

func (s *session) hdr(m *candidate) *mail.Header {
	if m.header == nil {
		var h textproto.Header
		if hl := headerLen(*m.copy); hl > 0 {
			h, _ = textproto.ReadHeader(bufio.NewReader(bytes.NewReader(m.copy.Message.Skeleton[:hl])))
		} else {
			s.withRendered(*m.copy, func(r io.Reader) { h, _ = textproto.ReadHeader(bufio.NewReader(r)) })
		}
		m.header = &mail.Header{Header: gomessage.Header{Header: h}}
	}
	return m.header
}

// bodyText returns the lower-cased, decoded text of the message's text
// parts (attachments of type text/* included).
func (s *session) bodyText(m *candidate) string {
	if m.body != nil {
		return *m.body
	}
	var b strings.Builder
	err := s.withRendered(*m.copy, func(r io.Reader) {
		e, err := gomessage.Read(r)
		if e == nil {
			m.err = err
			return
		}
		walkText(e, &b)
	})
	if err != nil && m.err == nil {
		m.err = err
	}
	t := strings.ToLower(b.String())
	m.body = &t
	return t
}

func walkText(e *gomessage.Entity, b *strings.Builder) {
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if p == nil || err != nil {
				return
			}
			walkText(p, b)
		}
	}
	t, _, _ := e.Header.ContentType()
	if t == "" || strings.HasPrefix(t, "text/") || strings.HasPrefix(t, "message/") {
		io.Copy(b, e.Body)
		b.WriteByte('\n')
	}
}

func containsFold(text, pattern string) bool {
	return strings.Contains(strings.ToLower(text), strings.ToLower(pattern))
}

// headerMatch reports whether a field named key has pattern in its decoded
// value; an empty pattern asks only that the field be there.
func (s *session) headerMatch(m *candidate, key, pattern string) bool {
	fields := s.hdr(m).FieldsByKey(key)
	for fields.Next() {
		if pattern == "" {
			return true
		}
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		if containsFold(v, pattern) {
			return true
		}
	}
	return false
}

func (s *session) headerText(m *candidate) string {
	var b strings.Builder
	fields := s.hdr(m).Fields()
	for fields.Next() {
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		b.WriteString(fields.Key())
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	return b.String()
}

// dayOf returns the calendar date of t in its own zone, as midnight UTC
// (how IMAP search dates are given).
func dayOf(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

func inDays(t, since, before time.Time) bool {
	d := dayOf(t)
	if !since.IsZero() && d.Before(dayOf(since)) {
		return false
	}
	if !before.IsZero() && !d.Before(dayOf(before)) {
		return false
	}
	return true
}

// match checks every key of c on the message exactly.
func (s *session) match(c *imap.SearchCriteria, m *candidate) bool {
	for _, set := range c.SeqNum {
		if !inSeqSet(set, m.seq, m.maxSeq) {
			return false
		}
	}
	for _, set := range c.UID {
		if imap.IsSearchRes(set) || !inUIDSet(set, m.uid, m.maxUID) {
			return false
		}
	}
	for _, f := range c.Flag {
		if !strings.EqualFold(string(f), string(imap.FlagSeen)) {
			return false
		}
	}
	for _, f := range c.NotFlag {
		if strings.EqualFold(string(f), string(imap.FlagSeen)) {
			return false
		}
	}
	if c.Larger > 0 && m.size() <= c.Larger {
		return false
	}
	if c.Smaller > 0 && m.size() >= c.Smaller {
		return false
	}
	if !c.Since.IsZero() || !c.Before.IsZero() {
		if !inDays(m.copy.Item.Time, c.Since, c.Before) {
			return false
		}
	}
	if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		t, err := s.hdr(m).Date()
		if err != nil || t.IsZero() {
			t = m.copy.Item.Time
		}
		if !inDays(t, c.SentSince, c.SentBefore) {
			return false
		}
	}
	for _, h := range c.Header {
		if !s.headerMatch(m, h.Key, h.Value) {
			return false
		}
	}
	for _, p := range c.Body {
		if !strings.Contains(s.bodyText(m), strings.ToLower(p)) {
			return false
		}
	}
	for _, p := range c.Text {
		if !containsFold(s.headerText(m), p) && !strings.Contains(s.bodyText(m), strings.ToLower(p)) {
			return false
		}
	}
	for i := range c.Not {
		if s.match(&c.Not[i], m) {
			return false
		}
	}
	for _, or := range c.Or {
		if !s.match(&or[0], m) && !s.match(&or[1], m) {
			return false
		}
	}
	return true
}
