package compliance

import (
	"context"
	"strings"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/store"
)

// Disposal is one copy in a report: what was (or would be) done with it,
// and why.
type Disposal struct {
	CopyID   int64     `json:"copy_id"`
	Mailbox  string    `json:"mailbox"`
	Folder   string    `json:"folder"`
	Source   string    `json:"source"`
	SourceID string    `json:"source_id"`
	Sent     time.Time `json:"sent"`
	Why      string    `json:"why"`
	HoldID   int64     `json:"hold_id,omitempty"`   // the hold that kept it
	PolicyID int64     `json:"policy_id,omitempty"` // the policy that deleted or retained it
}

func disposal(c store.CopyState, why string) Disposal {
	return Disposal{CopyID: c.ID, Mailbox: c.Mailbox, Folder: c.Folder, Source: c.Source, SourceID: c.SourceID, Sent: c.Sent, Why: why}
}

func heldDisposals(hs []store.HeldCopy) []Disposal {
	out := []Disposal{}
	for _, h := range hs {
		d := disposal(h.CopyState, "under "+h.Hold.String())
		d.HoldID = h.Hold.ID
		out = append(out, d)
	}
	return out
}

// DeleteRequest asks for the live copies of the mailboxes that match a
// query to be deleted (moved to the recoverable stage).
type DeleteRequest struct {
	Mailboxes []string
	Query     string
	Reason    string
	DryRun    bool
}

// DeleteReport is what a deletion did (or, in a dry run, would do).
type DeleteReport struct {
	DryRun    bool       `json:"dry_run"`
	Query     string     `json:"query"`
	Mailboxes []string   `json:"mailboxes"`
	Matched   int        `json:"matched"`
	Deleted   []Disposal `json:"deleted"`
	Held      []Disposal `json:"held"` // kept live: under a hold
	Skipped   int        `json:"skipped"`
}

// Delete moves the live copies of the mailboxes that match the query to the
// recoverable stage, by actor. Copies under a hold stay where they are and
// are reported with the hold. A bad request (no mailbox, a mailbox that does
// not exist, a query that does not parse) deletes nothing and is recorded
// in the audit log as a failure.
func (s *Service) Delete(ctx context.Context, actor string, r DeleteRequest) (*DeleteReport, error) {
	e := audit.Entry{Actor: actor, Action: audit.Delete, Object: mailboxesObject(r.Mailboxes),
		Details: map[string]any{"query": r.Query, "mailboxes": r.Mailboxes, "reason": r.Reason, "dry_run": r.DryRun}}
	mbs, err := s.mailboxesExist(ctx, r.Mailboxes)
	if err != nil {
		return nil, s.failed(ctx, e, err)
	}
	cond, err := s.compile(r.Query, s.now())
	if err != nil {
		return nil, s.failed(ctx, e, err)
	}
	ids, err := s.st.CopyIDs(ctx, store.SearchQuery{Cond: cond, Mailboxes: mbs, Stage: store.Live})
	if err != nil {
		return nil, s.failed(ctx, e, err)
	}
	why := "deleted by " + actor
	if strings.TrimSpace(r.Reason) != "" {
		why += ": " + r.Reason
	}
	details := map[string]any{"query": r.Query, "mailboxes": mbs, "reason": r.Reason}
	res, err := s.st.DeleteCopies(ctx, store.Deletion{Copies: ids, Actor: actor, Why: why, Object: mailboxesObject(mbs),
		Details: details, Holds: s.compileHolds, DryRun: r.DryRun})
	if err != nil {
		return nil, s.failed(ctx, e, err)
	}
	rep := &DeleteReport{DryRun: r.DryRun, Query: r.Query, Mailboxes: mbs, Matched: len(ids), Deleted: []Disposal{},
		Held: heldDisposals(res.Held), Skipped: res.Skipped}
	for _, c := range res.Deleted {
		rep.Deleted = append(rep.Deleted, disposal(c, why))
	}
	if r.DryRun {
		details["dry_run"], details["deleted"], details["held"] = true, len(rep.Deleted), len(rep.Held)
		if _, err := s.st.Audit(ctx, audit.Entry{Actor: actor, Action: audit.Delete, Object: mailboxesObject(mbs), Details: details}); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// RecoverRequest asks for deleted copies of the mailboxes to come back: all
// of them, or those that match a query.
type RecoverRequest struct {
	Mailboxes []string
	Query     string // "" for every deleted copy of the mailboxes
	DryRun    bool
}

// RecoverReport is what a recovery did.
type RecoverReport struct {
	DryRun    bool       `json:"dry_run"`
	Mailboxes []string   `json:"mailboxes"`
	Recovered []Disposal `json:"recovered"`
	Skipped   int        `json:"skipped"`
}

// Recover brings deleted copies (in the recoverable stage, not yet purged)
// back to their folders, by actor.
func (s *Service) Recover(ctx context.Context, actor string, r RecoverRequest) (*RecoverReport, error) {
	e := audit.Entry{Actor: actor, Action: audit.Recover, Object: mailboxesObject(r.Mailboxes),
		Details: map[string]any{"query": r.Query, "mailboxes": r.Mailboxes, "dry_run": r.DryRun}}
	mbs, err := s.mailboxesExist(ctx, r.Mailboxes)
	if err != nil {
		return nil, s.failed(ctx, e, err)
	}
	var cond store.Cond = store.And{}
	if strings.TrimSpace(r.Query) != "" {
		if cond, err = s.compile(r.Query, s.now()); err != nil {
			return nil, s.failed(ctx, e, err)
		}
	}
	ids, err := s.st.CopyIDs(ctx, store.SearchQuery{Cond: cond, Mailboxes: mbs, Stage: store.Deleted})
	if err != nil {
		return nil, s.failed(ctx, e, err)
	}
	details := map[string]any{"query": r.Query, "mailboxes": mbs}
	got, skipped, err := s.st.RecoverCopies(ctx, store.Recovery{Copies: ids, Actor: actor, Object: mailboxesObject(mbs), Details: details, DryRun: r.DryRun})
	if err != nil {
		return nil, s.failed(ctx, e, err)
	}
	rep := &RecoverReport{DryRun: r.DryRun, Mailboxes: mbs, Recovered: []Disposal{}, Skipped: skipped}
	for _, c := range got {
		rep.Recovered = append(rep.Recovered, disposal(c, "recovered by "+actor))
	}
	if r.DryRun {
		details["dry_run"], details["recovered"] = true, len(got)
		if _, err := s.st.Audit(ctx, audit.Entry{Actor: actor, Action: audit.Recover, Object: mailboxesObject(mbs), Details: details}); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// PurgeReport is what a purge did (or, in a dry run, would do).
type PurgeReport struct {
	DryRun       bool       `json:"dry_run"`
	RecoveryDays int        `json:"recovery_days"`
	Cutoff       time.Time  `json:"deleted_before"` // copies deleted at or before this were candidates
	Purged       []Disposal `json:"purged"`
	Held         []Disposal `json:"held"`     // refused: under a hold
	Retained     []Disposal `json:"retained"` // refused: within a retention period
	Items        int        `json:"items"`    // items removed with their last copy
	Blobs        int        `json:"blobs"`    // attachment blobs deleted as no longer used
}

// Purge removes for good the copies that have been in the recoverable stage
// for the recovery period or longer, by actor. A copy under a hold or within
// a retention period is refused, and reported with the hold or policy. The
// run is recorded in the audit log (action purge.run), and each purged copy
// has its own record (action purge).
func (s *Service) Purge(ctx context.Context, actor string, dryRun bool) (*PurgeReport, error) {
	rep, err := s.purge(ctx, actor, dryRun, nil)
	if err != nil {
		return nil, s.failed(ctx, audit.Entry{Actor: actor, Action: audit.PurgeRun, Object: "recoverable-stage",
			Details: map[string]any{"dry_run": dryRun}}, err)
	}
	outcome := audit.Success
	if len(rep.Purged) == 0 && len(rep.Held)+len(rep.Retained) > 0 {
		outcome = audit.Refused
	}
	_, err = s.st.Audit(ctx, audit.Entry{Actor: actor, Action: audit.PurgeRun, Object: "recoverable-stage", Outcome: outcome,
		Details: purgeSummary(rep)})
	return rep, err
}

func purgeSummary(rep *PurgeReport) map[string]any {
	held := map[string]int{}
	for _, h := range rep.Held {
		held[holdObject(h.HoldID)]++
	}
	retained := map[string]int{}
	for _, r := range rep.Retained {
		retained["policy:"+itoa(r.PolicyID)]++
	}
	return map[string]any{"dry_run": rep.DryRun, "recovery_days": rep.RecoveryDays, "purged": len(rep.Purged),
		"held": held, "retained": retained, "items": rep.Items, "blobs": rep.Blobs}
}

// purge purges what has been deleted for the recovery period. In a dry
// run, also is what the sweep would delete in the same run (with a
// recovery period of 0 days, purged at once).
func (s *Service) purge(ctx context.Context, actor string, dryRun bool, also []store.CopyState) (*PurgeReport, error) {
	days, err := s.st.RecoveryDays(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	cutoff := now.Add(-time.Duration(days) * 24 * time.Hour)
	var ids []int64
	err = s.st.CopyStates(ctx, store.CopyFilter{Stage: store.Deleted, DeletedBefore: cutoff}, func(c store.CopyState) error {
		ids = append(ids, c.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	why := "the recovery period of " + itoa(int64(days)) + " days is over"
	res, err := s.st.Purge(ctx, store.PurgeRequest{Copies: ids, DeletedBefore: cutoff, Actor: actor, Why: why, Holds: s.compileHolds, DryRun: dryRun})
	if err != nil {
		return nil, err
	}
	rep := &PurgeReport{DryRun: dryRun, RecoveryDays: days, Cutoff: cutoff, Purged: []Disposal{}, Held: heldDisposals(res.Held),
		Retained: []Disposal{}, Items: res.Items, Blobs: res.Blobs}
	for _, c := range res.Purged {
		rep.Purged = append(rep.Purged, disposal(c, why))
	}
	if dryRun && days == 0 {
		for _, c := range also {
			rep.Purged = append(rep.Purged, disposal(c, "deleted and purged in the same run: the recovery period is 0 days"))
		}
	}
	for _, r := range res.Retained {
		d := disposal(r.CopyState, "within "+r.Policy.String()+" until "+r.Until.Format("2006-01-02"))
		d.PolicyID = r.Policy.ID
		rep.Retained = append(rep.Retained, d)
	}
	return rep, nil
}
