// Package compliance applies holds, retention and deletion to the archive,
// and records each action in the audit log.
//
// The rules live in the pure packages hold, retention and audit; the store
// enforces them in the transaction that deletes or purges. This package
// puts the pieces together: it compiles the KQL queries of query holds
// (with package search) for the store, finds the copies a deletion or
// recovery names, runs the retention sweeper (on a schedule and on demand,
// with a dry run), and records failed requests in the audit log too.
//
// Invariants:
//   - A copy under an active hold is never deleted by a policy, never
//     deleted by an operator, and never purged.
//   - A copy within a retention period is never purged.
//   - A deletion moves a copy to the recoverable stage; only a purge, at
//     least the recovery period later, removes it for good.
//   - No path changes an archived item's content (the store refuses any
//     update of an item).
//   - Every hold placed or released, policy changed, deletion, recovery
//     and purge has its audit record, written in the same transaction.
package compliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/compliance/hold"
	"github.com/custos-archive/custos/compliance/retention"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/search"
	"github.com/custos-archive/custos/search/kql"
	"github.com/custos-archive/custos/store"
)

// Store is what compliance needs of the archive's store. The embedded
// SQLite store implements it.
type Store interface {
	PlaceHold(ctx context.Context, h hold.Hold) (hold.Hold, error)
	ReleaseHold(ctx context.Context, id int64, by, reason, caseName string) (hold.Hold, error)
	Holds(ctx context.Context, all bool) ([]hold.Hold, error)

	AddPolicy(ctx context.Context, p retention.Policy) (retention.Policy, error)
	UpdatePolicy(ctx context.Context, p retention.Policy) (before, after retention.Policy, err error)
	RemovePolicy(ctx context.Context, id int64, by string) (retention.Policy, error)
	Policies(ctx context.Context) ([]retention.Policy, error)
	Policy(ctx context.Context, ref string) (retention.Policy, error)
	RecoveryDays(ctx context.Context) (int, error)
	SetRecoveryDays(ctx context.Context, days int, by string) (before int, err error)

	MailboxIndex(ctx context.Context) (map[string]int64, error)
	CopyIDs(ctx context.Context, q store.SearchQuery) ([]int64, error)
	CopyStates(ctx context.Context, f store.CopyFilter, fn func(store.CopyState) error) error
	HeldCopies(ctx context.Context, ids []int64, compile store.CompileHolds) (map[int64]hold.Hold, error)
	DeleteCopies(ctx context.Context, d store.Deletion) (*store.DeletionResult, error)
	RecoverCopies(ctx context.Context, r store.Recovery) ([]store.CopyState, int, error)
	Purge(ctx context.Context, r store.PurgeRequest) (*store.PurgeResult, error)

	Audit(ctx context.Context, es ...audit.Entry) ([]audit.Record, error)
}

// Service applies holds, retention and deletion to a store.
type Service struct {
	st   Store
	norm *usermap.Normalizer
	now  func() time.Time
	log  *slog.Logger
}

// Options configure a Service.
type Options struct {
	// Normalizer reads phone numbers in queries (default region US).
	Normalizer *usermap.Normalizer
	// Now is the clock; nil means time.Now. Give the store the same one.
	Now func() time.Time
	// Logger receives the sweeper's logs; nil discards them.
	Logger *slog.Logger
}

// New returns a service over st.
func New(st Store, opt Options) (*Service, error) {
	s := &Service{st: st, norm: opt.Normalizer, now: opt.Now, log: opt.Logger}
	if s.norm == nil {
		n, err := usermap.NewNormalizer("US")
		if err != nil {
			return nil, err
		}
		s.norm = n
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// compile parses and compiles a KQL query as of at (relative dates such as
// "today" mean the day of at).
func (s *Service) compile(q string, at time.Time) (store.Cond, error) {
	if strings.TrimSpace(q) == "" {
		return nil, errors.New("empty query: give words, \"phrases\" or properties such as from:alice or kind:sms")
	}
	n, err := kql.Parse(q, kql.Options{Now: at})
	if err != nil {
		return nil, err
	}
	return search.Compile(q, n, s.norm)
}

// compileHolds compiles the query of every query hold in place, each as of
// the time it was placed, so that a hold's "sent:yesterday" keeps meaning
// the day before it was placed. A stored query that no longer compiles
// stops the deletion or purge: a hold is never ignored.
func (s *Service) compileHolds(ctx context.Context) (store.HoldConds, error) {
	hs, err := s.st.Holds(ctx, false)
	if err != nil {
		return nil, err
	}
	conds := store.HoldConds{}
	for _, h := range hs {
		if h.Kind != hold.Query {
			continue
		}
		c, err := s.compile(h.Query, h.PlacedAt)
		if err != nil {
			return nil, fmt.Errorf("query hold %d (%q) cannot be evaluated, so nothing is deleted or purged: %w", h.ID, h.Query, err)
		}
		conds[h.ID] = c
	}
	return conds, nil
}

// failed records a request that failed in the audit log, and returns err
// (joined with the audit log's error, if recording failed too).
func (s *Service) failed(ctx context.Context, e audit.Entry, err error) error {
	d := map[string]any{}
	if m, ok := e.Details.(map[string]any); ok {
		for k, v := range m {
			d[k] = v
		}
	}
	d["error"] = err.Error()
	e.Outcome, e.Details = audit.Failure, d
	if _, aerr := s.st.Audit(ctx, e); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

// mailboxesExist returns the addresses, normalised, or an error naming
// those that do not exist.
func (s *Service) mailboxesExist(ctx context.Context, as []string) ([]string, error) {
	if len(as) == 0 {
		return nil, errors.New("name at least one mailbox")
	}
	idx, err := s.st.MailboxIndex(ctx)
	if err != nil {
		return nil, err
	}
	var out, missing []string
	seen := map[string]bool{}
	for _, a := range as {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		if _, ok := idx[a]; !ok {
			missing = append(missing, a)
		}
		out = append(out, a)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("mailbox %s: %w (create it with 'custos users import')", strings.Join(missing, ", "), store.ErrNotFound)
	}
	return out, nil
}

func mailboxesObject(mbs []string) string {
	return "mailbox:" + strings.Join(mbs, ",")
}
