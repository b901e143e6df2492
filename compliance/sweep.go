package compliance

import (
	"context"
	"sort"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/compliance/retention"
	"github.com/custos-archive/custos/store"
)

// SweepReport is what a retention sweep did (or, in a dry run, would do).
type SweepReport struct {
	DryRun bool      `json:"dry_run"`
	At     time.Time `json:"at"`
	// Deleted are the live copies a policy's deletion fell due for, moved
	// to the recoverable stage.
	Deleted []Disposal `json:"deleted"`
	// Kept are copies a deletion fell due for that a hold keeps live.
	Kept []Disposal `json:"kept"`
	// Purge is the purge of the recoverable stage that ends the sweep.
	Purge *PurgeReport `json:"purge"`
}

// Sweep applies the retention policies now, by actor: every live copy whose
// deletion has fallen due (the winning deletion, not before the longest
// retention has run out) and that no hold covers moves to the recoverable
// stage; then what has been there for the recovery period, and that no
// hold or retention covers, is purged. With dryRun nothing changes and the
// report says what would be done and why. The sweep is recorded in the audit
// log (action retention.run), besides the records of its deletions and
// purges.
func (s *Service) Sweep(ctx context.Context, actor string, dryRun bool) (*SweepReport, error) {
	rep, err := s.sweep(ctx, actor, dryRun)
	if err != nil {
		return nil, s.failed(ctx, audit.Entry{Actor: actor, Action: audit.RetentionRun, Object: "retention",
			Details: map[string]any{"dry_run": dryRun}}, err)
	}
	d := purgeSummary(rep.Purge)
	d["deleted"], d["kept"] = len(rep.Deleted), len(rep.Kept)
	kept := map[string]int{}
	for _, k := range rep.Kept {
		kept[holdObject(k.HoldID)]++
	}
	d["kept_by"] = kept
	_, err = s.st.Audit(ctx, audit.Entry{Actor: actor, Action: audit.RetentionRun, Object: "retention", Details: d})
	return rep, err
}

func (s *Service) sweep(ctx context.Context, actor string, dryRun bool) (*SweepReport, error) {
	now := s.now()
	rep := &SweepReport{DryRun: dryRun, At: now, Deleted: []Disposal{}, Kept: []Disposal{}}
	pols, err := s.st.Policies(ctx)
	if err != nil {
		return nil, err
	}
	type group struct {
		policy retention.Policy
		ids    []int64
		why    map[int64]string
	}
	groups := map[int64]*group{}
	if len(pols) > 0 {
		err = s.st.CopyStates(ctx, store.CopyFilter{Stage: store.Live}, func(c store.CopyState) error {
			d := retention.Evaluate(pols, c.Retention())
			if !d.DueBy(now) {
				return nil
			}
			g := groups[d.Deleter.ID]
			if g == nil {
				g = &group{policy: *d.Deleter, why: map[int64]string{}}
				groups[d.Deleter.ID] = g
			}
			g.ids = append(g.ids, c.ID)
			g.why[c.ID] = d.Why()
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	ids := make([]int64, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var deleted []store.CopyState
	for _, id := range ids {
		g := groups[id]
		res, err := s.st.DeleteCopies(ctx, store.Deletion{Copies: g.ids, Actor: actor, Why: "retention: " + g.policy.String(),
			Object: "policy:" + itoa(g.policy.ID), Details: map[string]any{"policy": g.policy.Name}, Holds: s.compileHolds, DryRun: dryRun})
		if err != nil {
			return nil, err
		}
		for _, c := range res.Deleted {
			d := disposal(c, g.why[c.ID])
			d.PolicyID = g.policy.ID
			rep.Deleted = append(rep.Deleted, d)
		}
		deleted = append(deleted, res.Deleted...)
		for _, h := range heldDisposals(res.Held) {
			h.PolicyID = g.policy.ID
			rep.Kept = append(rep.Kept, h)
		}
	}
	rep.Purge, err = s.purge(ctx, actor, dryRun, deleted)
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// Run sweeps now and then every interval until ctx ends, by actor. Errors
// are logged, and the next sweep tries again.
func (s *Service) Run(ctx context.Context, actor string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, err := s.Sweep(ctx, actor, false)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("retention sweep failed", "err", err)
		} else {
			s.log.Info("retention sweep", "deleted", len(rep.Deleted), "kept_by_holds", len(rep.Kept),
				"purged", len(rep.Purge.Purged), "refused_held", len(rep.Purge.Held), "refused_retained", len(rep.Purge.Retained))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
