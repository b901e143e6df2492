package imapserver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	goimap "github.com/emersion/go-imap/v2/imapserver"
)

// TestSearchPrefilterKeepsEveryMatch checks, on random criteria, that the
// store's narrowing (dates widened by the largest time zone, sizes) never
// drops a message that the exact check in Go would match: the answers with
// and without it are the same.
func TestSearchPrefilterKeepsEveryMatch(t *testing.T) {
	f := newFixture(t)
	day, _ := time.Parse(time.DateOnly, testDay)
	f.archiveDay(t, day.AddDate(0, 0, -1), 10, 7)
	f.archiveDay(t, day.AddDate(0, 0, 1), 10, 8)
	ctx := context.Background()
	u, _ := f.st.Authenticate(ctx, alice, alicePW)
	mb, _ := f.st.Mailbox(ctx, alice)
	s := &session{srv: f.srv, ctx: ctx, cancel: func() {}, user: u, mailbox: mb}
	if _, err := s.Select(waFolder, nil); err != nil {
		t.Fatal(err)
	}
	_, copies := f.archived(t, alice, waFolder)
	var sizes []int64
	for _, c := range copies {
		sizes = append(sizes, c.Size)
	}
	r := rand.New(rand.NewPCG(1, 2))
	dates := []time.Time{day.AddDate(0, 0, -1), day, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2)}
	var gen func(depth int) imap.SearchCriteria
	gen = func(depth int) imap.SearchCriteria {
		var c imap.SearchCriteria
		for k := r.IntN(3) + 1; k > 0; k-- {
			switch r.IntN(9) {
			case 0:
				c.Since = dates[r.IntN(len(dates))]
			case 1:
				c.Before = dates[r.IntN(len(dates))]
			case 2:
				c.SentSince = dates[r.IntN(len(dates))]
			case 3:
				c.Larger = sizes[r.IntN(len(sizes))] + int64(r.IntN(3)) - 1
			case 4:
				c.Smaller = sizes[r.IntN(len(sizes))] + int64(r.IntN(3)) - 1
			case 5:
				c.Body = append(c.Body, []string{"price", "the", "order", "zzz"}[r.IntN(4)])
			case 6:
				if depth > 0 {
					c.Not = append(c.Not, gen(depth-1))
				}
			case 7:
				if depth > 0 {
					c.Or = append(c.Or, [2]imap.SearchCriteria{gen(depth - 1), gen(depth - 1)})
				}
			case 8:
				c.Header = append(c.Header, imap.SearchCriteriaHeaderField{Key: "Subject", Value: []string{"WhatsApp", "chat", "image", "from"}[r.IntN(4)]})
			}
		}
		return c
	}
	nonEmpty := 0
	for i := 0; i < 150; i++ {
		c := gen(2)
		f.srv.noPrefilter = false
		a, err := s.Search(goimap.NumKindUID, &c, &imap.SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f.srv.noPrefilter = true
		b, err := s.Search(goimap.NumKindUID, &c, &imap.SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(a.All) != fmt.Sprint(b.All) {
			t.Fatalf("criteria %+v: with the store's narrowing %v, without %v", c, a.All, b.All)
		}
		if a.Count > 0 && int(a.Count) < len(copies) {
			nonEmpty++
		}
	}
	if nonEmpty < 20 {
		t.Errorf("only %d of 150 random searches matched some but not all messages", nonEmpty)
	}
}
