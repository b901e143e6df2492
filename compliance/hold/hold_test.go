package hold

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := Hold{Kind: Mailbox, Mailboxes: []string{"alice@corp.example"}, Reason: "SEC inquiry", PlacedBy: "cco"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*Hold)
		want string
	}{
		{func(h *Hold) { h.Days = -1 }, "negative"},
		{func(h *Hold) { h.Reason = "" }, "reason"},
		{func(h *Hold) { h.Mailboxes = nil }, "mailbox"},
		{func(h *Hold) { h.Kind = Query }, "needs a query"},
		{func(h *Hold) { h.Query = "price" }, "query hold instead"},
		{func(h *Hold) { h.Kind = "case" }, "want"},
		{func(h *Hold) { h.PlacedBy = "" }, "who"},
	} {
		h := ok
		tc.edit(&h)
		err := h.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", h, err, tc.want)
		}
	}
}

func TestCovers(t *testing.T) {
	sent := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := Hold{Days: 30}
	if !h.Covers(sent, sent.AddDate(0, 0, 30).Add(-time.Millisecond)) || h.Covers(sent, sent.AddDate(0, 0, 30)) {
		t.Fatal("a 30-day hold covers an item for 30 days from its sent time")
	}
	if !(Hold{}).Covers(sent, sent.AddDate(50, 0, 0)) {
		t.Fatal("an indefinite hold covers everything")
	}
}

func TestString(t *testing.T) {
	h := Hold{ID: 3, Kind: Query, Query: "price", Mailboxes: []string{"a@x", "b@x"}, Case: "SEC-14", Reason: "inquiry", PlacedBy: "cco",
		PlacedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	want := `hold 3 (query hold "price" on a@x, b@x for case SEC-14, "inquiry", placed by cco on 2026-03-01)`
	if h.String() != want {
		t.Fatalf("got  %s\nwant %s", h, want)
	}
}
