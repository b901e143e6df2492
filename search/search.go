package search

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/custos-archive/custos/connector/convert"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/search/kql"
	"github.com/custos-archive/custos/store"
)

// Store is what search needs of the archive's store.
type Store interface {
	Search(ctx context.Context, q store.SearchQuery) (*store.SearchResult, error)
	// IndexHasPairs reports whether every item is indexed with the tokens
	// of its adjacent common words (see usePairs).
	IndexHasPairs() bool
}

// Engine answers KQL queries over the archive.
type Engine struct {
	st   Store
	norm *usermap.Normalizer
	now  func() time.Time
}

// New returns an engine over st. norm's region applies to phone numbers in
// queries written without a country code.
func New(st Store, norm *usermap.Normalizer) *Engine {
	return &Engine{st: st, norm: norm, now: time.Now}
}

// Request is a search.
type Request struct {
	Query     string
	Mailboxes []string // search these mailboxes only; all when empty
	Oldest    bool     // oldest first (default newest first)
	Limit     int      // hits per page, default 20, at most 1000
	Offset    int
	Stats     bool // also count the matches by mailbox and by source
}

// Hit is one matching item in one mailbox folder.
type Hit struct {
	Mailbox   string    `json:"mailbox"`
	Folder    string    `json:"folder"`
	UID       uint32    `json:"uid"`
	Source    string    `json:"source"`
	Kind      string    `json:"kind"`
	SourceID  string    `json:"source_id"`
	MessageID string    `json:"message_id"`
	Time      time.Time `json:"time"`
	From      string    `json:"from"`
	Subject   string    `json:"subject"`
	Snippet   string    `json:"snippet"`
	Size      int64     `json:"size"`
}

// Result is the answer to a search: the total count, one page of hits, and
// the counts by mailbox and by source.
type Result struct {
	Query     string           `json:"query"`
	Explain   string           `json:"explain"`
	Total     int64            `json:"total"`
	Offset    int              `json:"offset"`
	Hits      []Hit            `json:"hits"`
	ByMailbox map[string]int64 `json:"by_mailbox,omitempty"` // with Request.Stats
	BySource  map[string]int64 `json:"by_source,omitempty"`  // with Request.Stats
}

// Parse parses and compiles a query. Errors are *kql.Error or *Error, both
// naming the column at fault.
func (e *Engine) Parse(q string) (kql.Node, store.Cond, error) {
	n, err := kql.Parse(q, kql.Options{Now: e.now()})
	if err != nil {
		return nil, nil, err
	}
	c, err := Compile(q, n, e.norm)
	if err != nil {
		return nil, nil, err
	}
	return n, c, nil
}

// Search runs a query.
func (e *Engine) Search(ctx context.Context, r Request) (*Result, error) {
	if strings.TrimSpace(r.Query) == "" {
		return nil, errors.New("empty query: give words, \"phrases\" or properties such as from:alice or kind:sms")
	}
	n, cond, err := e.Parse(r.Query)
	if err != nil {
		return nil, err
	}
	if r.Limit <= 0 {
		r.Limit = 20
	}
	r.Limit = min(r.Limit, 1000)
	if e.st.IndexHasPairs() {
		cond = usePairs(cond)
	}
	sr, err := e.st.Search(ctx, store.SearchQuery{Cond: cond, Mailboxes: r.Mailboxes, Oldest: r.Oldest, Limit: r.Limit, Offset: r.Offset, Stats: r.Stats})
	if err != nil {
		return nil, err
	}
	res := &Result{Query: r.Query, Explain: n.String(), Total: sr.Total, Offset: r.Offset, Hits: []Hit{},
		ByMailbox: sr.ByMailbox, BySource: sr.BySource}
	terms := highlightTerms(cond)
	for _, h := range sr.Hits {
		it := h.Item
		text := it.Text
		if it.Original != nil && it.Original.Text != "" {
			text = strings.TrimSpace(text + " — original: " + it.Original.Text)
		}
		res.Hits = append(res.Hits, Hit{
			Mailbox: h.Mailbox, Folder: h.Folder, UID: h.UID, Source: string(it.Source), Kind: string(it.Kind),
			SourceID: it.SourceID, MessageID: h.MessageID, Time: it.Time, Subject: convert.Subject(it),
			From: displayFrom(it.From.Name, it.From.Phone, it.From.Email, it.From.ID), Size: h.Size,
			Snippet: Snippet(text, 160, terms),
		})
	}
	return res, nil
}

func displayFrom(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// highlightTerms returns a matcher for the tokens the query looks for (not
// those under a NOT).
func highlightTerms(c store.Cond) func(string) bool {
	exact := map[string]bool{}
	var prefixes []string
	var walk func(store.Cond, bool)
	add := func(m store.Match) {
		for i, t := range m.Tokens {
			if a, b, ok := strings.Cut(t, pairSep); ok {
				exact[a], exact[b] = true, true
				continue
			}
			if i == len(m.Tokens)-1 && m.Prefix {
				prefixes = append(prefixes, t)
			} else {
				exact[t] = true
			}
		}
	}
	walk = func(c store.Cond, neg bool) {
		switch c := c.(type) {
		case store.Match:
			if !neg {
				add(c)
			}
		case store.Near:
			if !neg {
				add(c.A)
				add(c.B)
			}
		case store.And:
			for _, x := range c.Conds {
				walk(x, neg)
			}
		case store.Or:
			for _, x := range c.Conds {
				walk(x, neg)
			}
		case store.Not:
			walk(c.C, !neg)
		}
	}
	walk(c, false)
	return func(tok string) bool {
		if exact[tok] {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(tok, p) {
				return true
			}
		}
		// A CJK bigram is highlighted when the query has it.
		return false
	}
}
