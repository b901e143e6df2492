// Package hold is the model of holds: a Litigation Hold on mailboxes, and a
// query-based hold (a KQL query over a set of mailboxes) such as an
// eDiscovery case places on its custodians.
//
// Invariants, enforced by the store in the transaction that deletes or
// purges:
//   - A copy under an active hold is never deleted by a retention policy,
//     never moved to the recoverable stage by an operator, and never purged,
//     whatever asks for it.
//   - A hold is placed and released with who, when and why, each an audit
//     record written in the same transaction; a released hold stays listed.
//   - A hold never changes after it is placed, except to be released.
package hold

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind says what a hold covers.
type Kind string

const (
	// Mailbox is a Litigation Hold: every item of the mailboxes.
	Mailbox Kind = "mailbox"
	// Query is a query-based hold: the items of the mailboxes that match
	// the KQL query.
	Query Kind = "query"
)

// ErrInvalid is wrapped by errors for a hold that cannot be placed as asked.
var ErrInvalid = errors.New("invalid hold")

// ErrReleased is wrapped by the error for releasing a hold twice.
var ErrReleased = errors.New("hold already released")

// Hold is a hold as placed.
type Hold struct {
	ID        int64    `json:"id"`
	Kind      Kind     `json:"kind"`
	Mailboxes []string `json:"mailboxes"`       // addresses, lowercase
	Query     string   `json:"query,omitempty"` // KQL, for Kind Query
	Case      string   `json:"case,omitempty"`  // the eDiscovery case that owns the hold; "" for none
	// Days, when more than 0, holds each item for that many days from its
	// sent time, as Exchange's Litigation Hold duration does; 0 holds
	// every item for as long as the hold is in place.
	Days     int       `json:"days"`
	Reason   string    `json:"reason"`
	PlacedBy string    `json:"placed_by"`
	PlacedAt time.Time `json:"placed_at"`
	Released *Release  `json:"released,omitempty"` // nil while the hold is in place
}

// Release is who released a hold, when and why.
type Release struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Validate checks a hold before it is placed.
func (h Hold) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	switch h.Kind {
	case Mailbox:
		if h.Query != "" {
			return bad("a Litigation Hold covers whole mailboxes and takes no query; place a query hold instead")
		}
	case Query:
		if strings.TrimSpace(h.Query) == "" {
			return bad("a query hold needs a query")
		}
	default:
		return bad("kind %q: want %q or %q", h.Kind, Mailbox, Query)
	}
	if len(h.Mailboxes) == 0 {
		return bad("name at least one mailbox to hold")
	}
	if h.Days < 0 {
		return bad("duration %d days is negative: give 0 (indefinite) or more", h.Days)
	}
	if strings.TrimSpace(h.Reason) == "" {
		return bad("give the reason for the hold (for example the matter or case it is for)")
	}
	if strings.TrimSpace(h.PlacedBy) == "" {
		return bad("say who places the hold")
	}
	return nil
}

// Active reports whether the hold is in place.
func (h Hold) Active() bool { return h.Released == nil }

// Covers reports whether an item sent at sent is within the hold's duration
// at now (always, for a hold without a duration). It does not look at the
// hold's mailboxes or query.
func (h Hold) Covers(sent, now time.Time) bool {
	return h.Days <= 0 || now.Before(sent.Add(time.Duration(h.Days)*24*time.Hour))
}

// Title names the hold for people: "Litigation Hold on alice@corp.example"
// or "query hold \"price\" on 2 mailboxes".
func (h Hold) Title() string {
	on := strings.Join(h.Mailboxes, ", ")
	if len(h.Mailboxes) > 3 {
		on = fmt.Sprintf("%d mailboxes", len(h.Mailboxes))
	}
	t := "Litigation Hold on " + on
	if h.Kind == Query {
		t = fmt.Sprintf("query hold %q on %s", h.Query, on)
	}
	if h.Case != "" {
		t += " for case " + h.Case
	}
	if h.Days > 0 {
		days := fmt.Sprintf("%d days", h.Days)
		if h.Days == 1 {
			days = "1 day"
		}
		t += " (items for " + days + " from sent)"
	}
	return t
}

// String names the hold the way refusals quote it: number, title, reason,
// who placed it and when.
func (h Hold) String() string {
	return fmt.Sprintf("hold %d (%s, %q, placed by %s on %s)", h.ID, h.Title(), h.Reason, h.PlacedBy, h.PlacedAt.UTC().Format("2006-01-02"))
}
