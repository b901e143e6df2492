package compliance

import (
	"context"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/compliance/hold"
	"github.com/custos-archive/custos/store"
)

// HoldRequest asks for a hold: a Litigation Hold on the mailboxes, or,
// with a query, a query hold on the items of the mailboxes that match it.
type HoldRequest struct {
	Mailboxes []string
	Query     string
	Case      string // the eDiscovery case that owns the hold, if any
	Days      int    // 0: indefinite; else each item for Days from its sent time
	Reason    string
}

// PlaceHold places a hold by actor. A bad request (a mailbox that does not
// exist, a query that does not parse, a negative duration, no reason)
// places nothing, and is recorded in the audit log as a failure.
func (s *Service) PlaceHold(ctx context.Context, actor string, r HoldRequest) (hold.Hold, error) {
	h := hold.Hold{Kind: hold.Mailbox, Mailboxes: r.Mailboxes, Query: r.Query, Case: r.Case, Days: r.Days, Reason: r.Reason, PlacedBy: actor}
	if r.Query != "" {
		h.Kind = hold.Query
	}
	e := audit.Entry{Actor: actor, Action: audit.HoldPlace, Object: mailboxesObject(r.Mailboxes),
		Details: map[string]any{"kind": h.Kind, "mailboxes": r.Mailboxes, "query": r.Query, "days": r.Days, "reason": r.Reason, "case": r.Case}}
	if h.Kind == hold.Query {
		if _, err := s.compile(r.Query, s.now()); err != nil {
			return hold.Hold{}, s.failed(ctx, e, err)
		}
	}
	placed, err := s.st.PlaceHold(ctx, h)
	if err != nil {
		return hold.Hold{}, s.failed(ctx, e, err)
	}
	return placed, nil
}

// ReleaseHold releases hold id by actor, for reason. A hold that belongs to
// an eDiscovery case is released only when caseName names that case. A
// hold that is not there, or was released already, is an error, changes
// nothing, and is recorded in the audit log as a failure.
func (s *Service) ReleaseHold(ctx context.Context, actor string, id int64, reason, caseName string) (hold.Hold, error) {
	h, err := s.st.ReleaseHold(ctx, id, actor, reason, caseName)
	if err != nil {
		return hold.Hold{}, s.failed(ctx, audit.Entry{Actor: actor, Action: audit.HoldRelease, Object: holdObject(id),
			Details: map[string]any{"reason": reason, "case": caseName}}, err)
	}
	return h, nil
}

func holdObject(id int64) string { return "hold:" + itoa(id) }

// HoldView is a hold with what it covers now.
type HoldView struct {
	hold.Hold
	// Copies is the number of copies (live or deleted) the hold covers now;
	// -1 when it could not be counted (the error is in CountError).
	Copies     int    `json:"copies"`
	CountError string `json:"count_error,omitempty"`
}

// Holds lists the holds in place (or, with all, also the released ones),
// each with the number of copies it covers now.
func (s *Service) Holds(ctx context.Context, all bool) ([]HoldView, error) {
	hs, err := s.st.Holds(ctx, all)
	if err != nil {
		return nil, err
	}
	out := make([]HoldView, 0, len(hs))
	now := s.now()
	for _, h := range hs {
		v := HoldView{Hold: h}
		if !h.Active() {
			out = append(out, v)
			continue
		}
		and := store.And{}
		if h.Kind == hold.Query {
			c, err := s.compile(h.Query, h.PlacedAt)
			if err != nil {
				v.Copies, v.CountError = -1, err.Error()
				out = append(out, v)
				continue
			}
			and.Conds = append(and.Conds, c)
		}
		if h.Days > 0 {
			from := now.Add(-time.Duration(h.Days)*24*time.Hour + time.Millisecond)
			and.Conds = append(and.Conds, store.TimeIn{Field: "sent", From: &from})
		}
		ids, err := s.st.CopyIDs(ctx, store.SearchQuery{Cond: and, Mailboxes: h.Mailboxes, Stage: store.AnyStage})
		if err != nil {
			v.Copies, v.CountError = -1, err.Error()
		} else {
			v.Copies = len(ids)
		}
		out = append(out, v)
	}
	return out, nil
}
