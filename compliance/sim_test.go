package compliance_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/compliance"
	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/compliance/hold"
	"github.com/custos-archive/custos/compliance/retention"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

var (
	simSteps = flag.Int("sim.steps", 3000, "steps of the compliance simulation")
	simSeed  = flag.Uint64("sim.seed", 0, "seed of the compliance simulation (0: from the clock)")
)

// The simulation's world: four people with mailboxes, items whose text is
// made of a few code words (so the oracle knows what a query hold
// matches), and a clock that only the simulation moves.
var (
	simPeople = []struct{ name, phone, email string }{
		{"Alice Martin", "+12025550143", "alice@corp.example"},
		{"Bob Chen", "+12025550144", "bob@corp.example"},
		{"Carol Diaz", "+34600123456", "carol@corp.example"},
		{"Dan Lee", "+13105550188", "dan@corp.example"},
	}
	simWords   = []string{"apple", "birch", "cedar", "delta", "ember"}
	simSources = []item.Source{item.WhatsApp, item.WeChat, item.EnterpriseNumber}
)

// simHold and simPolicy are the oracle's own record of what is in force.
type simHold struct {
	id        int64
	mailboxes []string
	word      string // "" for a Litigation Hold
	days      int
}

type simItem struct {
	words  map[string]bool
	sent   time.Time
	sha256 string
}

type sim struct {
	t    *testing.T
	r    *rand.Rand
	ctx  context.Context
	now  time.Time
	st   *store.Store
	svc  *compliance.Service
	pipe *archive.Pipeline
	db   *sql.DB // read-only look at the database, for checks

	items    map[string]*simItem // by source id
	holds    map[int64]*simHold
	policies map[int64]retention.Policy
	recovery int
	// deletedSince is when the oracle first saw each copy deleted.
	deletedSince map[int64]time.Time
	lastSeq      int64
	copies       map[int64]store.CopyState // as after the last step
	nextItem     int
	counts       map[string]int // steps by kind, for the log
	purged       int
}

// TestSimulation runs thousands of random steps — imports, holds placed
// and released, policies created, changed and removed, deletions,
// recoveries, sweeps, purges, bad requests, days passing — against a
// store with an injected clock, and after every step checks the rules
// against an oracle that keeps its own record of the holds and policies:
//
//   - no copy under a hold or within its retention is purged, and none is
//     purged before its recovery period is over;
//   - no copy under a hold is deleted; a deletion deletes exactly the live,
//     unheld copies it names;
//   - after a sweep, no live copy past its delete-after and not held is left,
//     and no deleted copy past its recovery period, not held and not
//     retained, is left (so, with a recovery period of 0 days, a copy past
//     its delete-after and not held is purged by the next sweep);
//   - every purge, deletion, recovery, hold change and policy change has its
//     audit record, written by that step;
//   - a bad request changes nothing;
//   - archived content never changes, blobs in use are never deleted and
//     unused ones are collected, and the audit chain verifies.
func TestSimulation(t *testing.T) {
	seed := *simSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -sim.seed %d)", seed, seed)
	s := newSim(t, seed)
	start := time.Now()
	for step := 0; step < *simSteps; step++ {
		s.step(step)
	}
	s.checkAudit()
	s.checkBlobs()
	var n int
	s.db.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&n)
	t.Logf("%d steps in %v, %d simulated days: %v; %d copies purged; %d audit records",
		*simSteps, time.Since(start).Round(time.Millisecond), int(s.now.Sub(simEpoch).Hours()/24), s.counts, s.purged, n)
	if *simSteps >= 1000 && (s.purged == 0 || s.counts["refused-held"] == 0 || s.counts["refused-retained"] == 0) {
		t.Fatalf("the simulation did not purge, or did not meet a purge refused by a hold and by a retention: the generator is too narrow")
	}
}

var simEpoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

func newSim(t *testing.T, seed uint64) *sim {
	s := &sim{t: t, r: rand.New(rand.NewPCG(seed, 7)), ctx: context.Background(), now: simEpoch,
		items: map[string]*simItem{}, holds: map[int64]*simHold{}, policies: map[int64]retention.Policy{},
		recovery: store.DefaultRecoveryDays, deletedSince: map[int64]time.Time{}, counts: map[string]int{}}
	clock := func() time.Time { return s.now }
	dir := t.TempDir()
	st, err := store.Open(s.ctx, dir, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s.st = st
	norm, err := usermap.NewNormalizer("US")
	if err != nil {
		t.Fatal(err)
	}
	if s.svc, err = compliance.New(st, compliance.Options{Now: clock, Normalizer: norm}); err != nil {
		t.Fatal(err)
	}
	if s.pipe, err = archive.New(st, archive.Options{Normalizer: norm}); err != nil {
		t.Fatal(err)
	}
	var us []store.User
	for _, p := range simPeople {
		us = append(us, store.User{Email: p.email, Name: p.name, Phones: []string{p.phone}})
	}
	if _, _, err := st.PutUsers(s.ctx, us, "sim"); err != nil {
		t.Fatal(err)
	}
	s.db, err = sql.Open("sqlite", "file:"+filepath.Join(dir, "custos.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.db.Close() })
	s.records()
	s.copies = s.snapshot()
	return s
}

func (s *sim) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("day %d: "+format, append([]any{int(s.now.Sub(simEpoch).Hours() / 24)}, args...)...)
}

// snapshot is every copy, by id.
func (s *sim) snapshot() map[int64]store.CopyState {
	out := map[int64]store.CopyState{}
	err := s.st.CopyStates(s.ctx, store.CopyFilter{Stage: store.AnyStage}, func(c store.CopyState) error {
		out[c.ID] = c
		return nil
	})
	if err != nil {
		s.fatalf("listing copies: %v", err)
	}
	return out
}

// records returns the audit records appended since the last call.
func (s *sim) records() []audit.Record {
	var rs []audit.Record
	err := s.st.AuditSearch(s.ctx, store.AuditFilter{AfterSeq: s.lastSeq}, func(r audit.Record) error {
		rs = append(rs, r)
		return nil
	})
	if err != nil {
		s.fatalf("reading the audit log: %v", err)
	}
	if len(rs) > 0 {
		s.lastSeq = rs[len(rs)-1].Seq
	}
	return rs
}

// The oracle.

func (s *sim) heldBy(c store.CopyState) *simHold {
	var ids []int64
	for id := range s.holds {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		h := s.holds[id]
		if !slices.Contains(h.mailboxes, c.Mailbox) {
			continue
		}
		if h.days > 0 && !s.now.Before(c.Sent.Add(time.Duration(h.days)*24*time.Hour)) {
			continue
		}
		if h.word == "" || s.items[c.SourceID].words[h.word] {
			return h
		}
	}
	return nil
}

func scopeHas(p retention.Policy, c store.CopyState) bool {
	switch p.Scope.Kind {
	case retention.All:
		return true
	case retention.Source:
		return string(p.Scope.Source) == c.Source
	case retention.Folder:
		return strings.EqualFold(p.Scope.Folder, c.Folder)
	}
	return slices.Contains(p.Scope.Mailboxes, c.Mailbox)
}

// retainedUntil is the end of the longest retention of c (zero if none).
func (s *sim) retainedUntil(c store.CopyState) time.Time {
	var until time.Time
	for _, p := range s.policies {
		if (p.Action == retention.Retain || p.Action == retention.RetainDelete) && scopeHas(p, c) {
			if t := c.Sent.AddDate(0, 0, p.Days); t.After(until) {
				until = t
			}
		}
	}
	return until
}

// dueAt is when c's deletion falls due, and false when no policy deletes it.
func (s *sim) dueAt(c store.CopyState) (time.Time, bool) {
	rank := func(p retention.Policy) int {
		switch p.Scope.Kind {
		case retention.Mailboxes:
			return 2
		case retention.All:
			return 0
		}
		return 1
	}
	best, days := -1, 0
	for _, p := range s.policies {
		if (p.Action == retention.Delete || p.Action == retention.RetainDelete) && scopeHas(p, c) {
			if r := rank(p); r > best || r == best && p.Days < days {
				best, days = r, p.Days
			}
		}
	}
	if best < 0 {
		return time.Time{}, false
	}
	due := c.Sent.AddDate(0, 0, days)
	if r := s.retainedUntil(c); r.After(due) {
		due = r
	}
	return due, true
}

// step runs one random step and checks the rules.
func (s *sim) step(n int) {
	s.t.Helper()
	before := s.copies
	kind, check := s.act(before)
	s.counts[kind]++
	after := before
	if kind != "days" && kind != "noop" {
		after = s.snapshot()
	}
	recs := s.records()
	s.check(n, kind, before, after, recs, check)
	s.copies = after
}

// act does one random thing, and returns its kind and a check of its own.
func (s *sim) act(before map[int64]store.CopyState) (string, func(after map[int64]store.CopyState, recs []audit.Record)) {
	ctx := s.ctx
	switch x := s.r.IntN(100); {
	case x < 16:
		s.importItems(1 + s.r.IntN(3))
		return "import", nil
	case x < 30:
		d := 1 + s.r.IntN(12)
		if s.r.IntN(10) == 0 {
			d = 30 + s.r.IntN(90)
		}
		s.now = s.now.Add(time.Duration(d)*24*time.Hour + time.Duration(s.r.IntN(3600))*time.Second)
		return "days", nil
	case x < 44:
		if _, err := s.svc.Sweep(ctx, "sim", false); err != nil {
			s.fatalf("sweep: %v", err)
		}
		return "sweep", nil
	case x < 48:
		if _, err := s.svc.Sweep(ctx, "sim", true); err != nil {
			s.fatalf("dry sweep: %v", err)
		}
		return "dry-sweep", func(after map[int64]store.CopyState, _ []audit.Record) {
			if !sameCopies(before, after) {
				s.fatalf("a dry run changed the copies")
			}
		}
	case x < 52:
		if _, err := s.svc.Purge(ctx, "sim", false); err != nil {
			s.fatalf("purge: %v", err)
		}
		return "purge", nil
	case x < 61 && len(s.holds) < 4:
		h := &simHold{mailboxes: s.someMailboxes()}
		word := simWords[s.r.IntN(len(simWords))]
		// Half the time, hold what was deleted: a hold placed on copies in
		// the recoverable stage must keep the purge away.
		if d := s.deletedCopy(); d != nil && s.r.IntN(2) == 0 {
			h.mailboxes = []string{d.Mailbox}
			for w := range s.items[d.SourceID].words {
				word = w
			}
		}
		req := compliance.HoldRequest{Mailboxes: h.mailboxes, Reason: "matter " + strconv.Itoa(s.r.IntN(100))}
		if s.r.IntN(2) == 0 {
			h.word = word
			req.Query = h.word
		} else {
			h.mailboxes = h.mailboxes[:1]
			req.Mailboxes = h.mailboxes
		}
		if s.r.IntN(3) == 0 {
			h.days = 30 + s.r.IntN(300)
			req.Days = h.days
		}
		got, err := s.svc.PlaceHold(ctx, "sim", req)
		if err != nil {
			s.fatalf("placing %+v: %v", req, err)
		}
		h.id = got.ID
		s.holds[h.id] = h
		return "hold", func(_ map[int64]store.CopyState, recs []audit.Record) {
			s.wantRecord(recs, audit.HoldPlace, fmt.Sprintf("hold:%d", h.id))
		}
	case x < 68:
		if len(s.holds) == 0 {
			return "noop", nil
		}
		id := s.anyHold()
		if _, err := s.svc.ReleaseHold(ctx, "sim", id, "matter closed", ""); err != nil {
			s.fatalf("releasing hold %d: %v", id, err)
		}
		delete(s.holds, id)
		return "release", func(_ map[int64]store.CopyState, recs []audit.Record) {
			s.wantRecord(recs, audit.HoldRelease, fmt.Sprintf("hold:%d", id))
		}
	case x < 75 && len(s.policies) < 8:
		p := s.randPolicy()
		got, err := s.svc.AddPolicy(ctx, "sim", p)
		if err != nil {
			s.fatalf("adding %+v: %v", p, err)
		}
		s.policies[got.ID] = got
		return "policy", func(_ map[int64]store.CopyState, recs []audit.Record) {
			s.wantRecord(recs, audit.PolicyCreate, fmt.Sprintf("policy:%d", got.ID))
		}
	case x < 79:
		if len(s.policies) == 0 {
			return "noop", nil
		}
		id := s.anyPolicy()
		days := 5 + s.r.IntN(400)
		act := []retention.Action{retention.Retain, retention.Delete, retention.RetainDelete}[s.r.IntN(3)]
		_, after, err := s.svc.UpdatePolicy(ctx, "sim", strconv.FormatInt(id, 10), compliance.PolicyChange{Days: &days, Action: &act})
		if err != nil {
			s.fatalf("updating policy %d: %v", id, err)
		}
		s.policies[id] = after
		return "policy-update", func(_ map[int64]store.CopyState, recs []audit.Record) {
			s.wantRecord(recs, audit.PolicyUpdate, fmt.Sprintf("policy:%d", id))
		}
	case x < 82:
		if len(s.policies) == 0 {
			return "noop", nil
		}
		id := s.anyPolicy()
		if _, err := s.svc.RemovePolicy(ctx, "sim", s.policies[id].Name); err != nil {
			s.fatalf("removing policy %d: %v", id, err)
		}
		delete(s.policies, id)
		return "policy-remove", func(_ map[int64]store.CopyState, recs []audit.Record) {
			s.wantRecord(recs, audit.PolicyRemove, fmt.Sprintf("policy:%d", id))
		}
	case x < 90:
		mb := simPeople[s.r.IntN(len(simPeople))].email
		word := simWords[s.r.IntN(len(simWords))]
		dry := s.r.IntN(5) == 0
		rep, err := s.svc.Delete(ctx, "sim", compliance.DeleteRequest{Mailboxes: []string{mb}, Query: word, Reason: "cleanup", DryRun: dry})
		if err != nil {
			s.fatalf("deleting %s in %s: %v", word, mb, err)
		}
		return "delete", func(after map[int64]store.CopyState, recs []audit.Record) {
			// Exactly the live, unheld copies of mb with the word are deleted.
			want := 0
			for id, c := range before {
				if c.Deleted() || c.Mailbox != mb || !s.items[c.SourceID].words[word] {
					continue
				}
				a := after[id]
				if h := s.heldBy(c); h != nil {
					if a.Deleted() {
						s.fatalf("copy %d deleted under hold %d", id, h.id)
					}
					continue
				}
				want++
				if !dry && !a.Deleted() {
					s.fatalf("copy %d of %s with %q not deleted", id, mb, word)
				}
			}
			if len(rep.Deleted) != want {
				s.fatalf("delete %q in %s (dry run %v): %d deleted, want %d", word, mb, dry, len(rep.Deleted), want)
			}
			if !dry {
				s.wantRecord(recs, audit.Delete, "mailbox:"+mb)
			}
		}
	case x < 93:
		mb := simPeople[s.r.IntN(len(simPeople))].email
		if _, err := s.svc.Recover(ctx, "sim", compliance.RecoverRequest{Mailboxes: []string{mb}}); err != nil {
			s.fatalf("recovering %s: %v", mb, err)
		}
		return "recover", func(after map[int64]store.CopyState, recs []audit.Record) {
			for id, c := range before {
				if c.Mailbox == mb && c.Deleted() && after[id].Deleted() {
					s.fatalf("copy %d of %s not recovered", id, mb)
				}
			}
			s.wantRecord(recs, audit.Recover, "mailbox:"+mb)
		}
	case x < 95:
		days := []int{0, 0, 3, 7, 14}[s.r.IntN(5)]
		if _, err := s.svc.SetRecoveryDays(ctx, "sim", days); err != nil {
			s.fatalf("setting the recovery period: %v", err)
		}
		s.recovery = days
		return "recovery-period", func(_ map[int64]store.CopyState, recs []audit.Record) {
			s.wantRecord(recs, audit.RecoveryPeriod, "settings:recovery_days")
		}
	}
	s.badRequest()
	return "bad-request", func(after map[int64]store.CopyState, recs []audit.Record) {
		if len(recs) != 1 || recs[0].Outcome != audit.Failure {
			s.fatalf("a bad request left %d audit records, want one failure: %+v", len(recs), recs)
		}
	}
}

// badRequest makes one of the requests that must fail, and checks it
// changed neither holds nor policies (copies are checked by the step).
func (s *sim) badRequest() {
	ctx := s.ctx
	hs, _ := s.st.Holds(ctx, true)
	ps, _ := s.st.Policies(ctx)
	rd, _ := s.st.RecoveryDays(ctx)
	var err error
	var want error
	switch s.r.IntN(9) {
	case 0:
		_, err = s.svc.PlaceHold(ctx, "sim", compliance.HoldRequest{Mailboxes: []string{"nobody@corp.example"}, Reason: "x"})
		want = store.ErrNotFound
	case 1:
		_, err = s.svc.PlaceHold(ctx, "sim", compliance.HoldRequest{Mailboxes: []string{simPeople[0].email}, Days: -3, Reason: "x"})
		want = hold.ErrInvalid
	case 2:
		_, err = s.svc.PlaceHold(ctx, "sim", compliance.HoldRequest{Mailboxes: []string{simPeople[0].email}, Query: `apple "unclosed`, Reason: "x"})
	case 3:
		_, err = s.svc.ReleaseHold(ctx, "sim", 100000+int64(s.r.IntN(100)), "done", "")
		want = store.ErrNotFound
	case 4:
		p := s.randPolicy()
		p.Days = -1 - s.r.IntN(30)
		_, err = s.svc.AddPolicy(ctx, "sim", p)
		want = retention.ErrInvalid
	case 5:
		p := s.randPolicy()
		p.Scope = retention.Scope{Kind: retention.Mailboxes, Mailboxes: []string{simPeople[1].email, "ghost@corp.example"}}
		_, err = s.svc.AddPolicy(ctx, "sim", p)
		want = store.ErrNotFound
	case 6:
		_, err = s.svc.Delete(ctx, "sim", compliance.DeleteRequest{Mailboxes: []string{"ghost@corp.example"}, Query: "apple"})
		want = store.ErrNotFound
	case 7:
		if len(s.policies) > 0 {
			days := -5
			_, _, err = s.svc.UpdatePolicy(ctx, "sim", strconv.FormatInt(s.anyPolicy(), 10), compliance.PolicyChange{Days: &days})
			want = retention.ErrInvalid
		} else {
			_, err = s.svc.SetRecoveryDays(ctx, "sim", -1)
			want = retention.ErrInvalid
		}
	default:
		// Releasing a hold twice.
		h, perr := s.svc.PlaceHold(ctx, "sim", compliance.HoldRequest{Mailboxes: []string{simPeople[2].email}, Reason: "brief"})
		if perr != nil {
			s.fatalf("placing: %v", perr)
		}
		if _, perr := s.svc.ReleaseHold(ctx, "sim", h.ID, "done", ""); perr != nil {
			s.fatalf("releasing: %v", perr)
		}
		s.records() // those two are not the bad request
		hs, _ = s.st.Holds(ctx, true)
		_, err = s.svc.ReleaseHold(ctx, "sim", h.ID, "again", "")
		want = hold.ErrReleased
	}
	if err == nil {
		s.fatalf("a bad request succeeded")
	}
	if want != nil && !errors.Is(err, want) {
		s.fatalf("bad request: %v, want an error wrapping %v", err, want)
	}
	hs2, _ := s.st.Holds(ctx, true)
	ps2, _ := s.st.Policies(ctx)
	rd2, _ := s.st.RecoveryDays(ctx)
	if fmt.Sprint(hs) != fmt.Sprint(hs2) || fmt.Sprint(ps) != fmt.Sprint(ps2) || rd != rd2 {
		s.fatalf("a bad request (%v) changed holds or policies", err)
	}
}

func (s *sim) someMailboxes() []string {
	var out []string
	for _, p := range simPeople {
		if s.r.IntN(2) == 0 {
			out = append(out, p.email)
		}
	}
	if len(out) == 0 {
		out = []string{simPeople[s.r.IntN(len(simPeople))].email}
	}
	return out
}

// deletedCopy returns a random copy in the recoverable stage, or nil.
func (s *sim) deletedCopy() *store.CopyState {
	var ids []int64
	for id, c := range s.copies {
		if c.Deleted() {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	c := s.copies[ids[s.r.IntN(len(ids))]]
	return &c
}

func (s *sim) anyHold() int64 {
	var ids []int64
	for id := range s.holds {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids[s.r.IntN(len(ids))]
}

func (s *sim) anyPolicy() int64 {
	var ids []int64
	for id := range s.policies {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids[s.r.IntN(len(ids))]
}

func (s *sim) randPolicy() retention.Policy {
	p := retention.Policy{Name: fmt.Sprintf("p%d", s.r.IntN(1<<30)),
		Action: []retention.Action{retention.Retain, retention.Delete, retention.RetainDelete, retention.Delete}[s.r.IntN(4)],
		Days:   5 + s.r.IntN(300)}
	switch s.r.IntN(4) {
	case 0:
		p.Scope = retention.Scope{Kind: retention.All}
	case 1:
		p.Scope = retention.Scope{Kind: retention.Source, Source: simSources[s.r.IntN(3)]}
	case 2:
		p.Scope = retention.Scope{Kind: retention.Folder, Folder: strings.ToLower(simSources[s.r.IntN(3)].Folder())}
	default:
		p.Scope = retention.Scope{Kind: retention.Mailboxes, Mailboxes: s.someMailboxes()}
	}
	return p
}

// importItems archives n random items, sent up to 200 days ago, some with
// an attachment whose bytes other items share.
func (s *sim) importItems(n int) {
	var its []*item.Item
	for range n {
		s.nextItem++
		src := simSources[s.r.IntN(3)]
		kind := item.Chat
		if src == item.EnterpriseNumber {
			kind = item.SMS
		}
		words := map[string]bool{}
		var text []string
		for range 1 + s.r.IntN(3) {
			w := simWords[s.r.IntN(len(simWords))]
			words[w] = true
			text = append(text, w)
		}
		from := simPeople[s.r.IntN(len(simPeople))]
		to := simPeople[s.r.IntN(len(simPeople))]
		it := &item.Item{Source: src, Kind: kind, SourceID: fmt.Sprintf("s%d", s.nextItem),
			Conversation: item.Conversation{ID: "c1"},
			From:         item.Participant{Name: from.name, Phone: from.phone, Email: from.email},
			To:           []item.Participant{{Name: to.name, Phone: to.phone, Email: to.email}},
			Time:         s.now.Add(-time.Duration(s.r.IntN(200*24)) * time.Hour).Truncate(time.Second),
			Text:         "note " + strings.Join(text, " ")}
		if s.r.IntN(3) == 0 {
			it.Attachments = []item.Attachment{{Name: "terms.bin", ContentType: "application/octet-stream",
				Data: []byte(fmt.Sprintf("shared terms %d", s.r.IntN(4)))}}
		}
		s.items[it.SourceID] = &simItem{words: words, sent: it.Time}
		its = append(its, it)
	}
	rep, err := s.pipe.ArchiveItems(s.ctx, its, "", archive.Mapping{Auto: true})
	if err != nil || rep.Failed > 0 {
		s.fatalf("import: %v %+v", err, rep)
	}
	for _, it := range its {
		si, err := s.st.Item(s.ctx, it.Source, it.SourceID)
		if err != nil {
			s.fatalf("item %s: %v", it.SourceID, err)
		}
		s.items[it.SourceID].sha256 = si.SHA256
	}
}

func (s *sim) wantRecord(recs []audit.Record, action, object string) {
	s.t.Helper()
	for _, r := range recs {
		if r.Action == action && r.Object == object && r.Outcome != audit.Failure {
			return
		}
	}
	s.fatalf("no %s record for %s among %d new audit records", action, object, len(recs))
}

// check checks the rules after a step.
func (s *sim) check(n int, kind string, before, after map[int64]store.CopyState, recs []audit.Record, check func(map[int64]store.CopyState, []audit.Record)) {
	s.t.Helper()
	if check != nil {
		check(after, recs)
	}
	purges := map[string]bool{}
	deletions := map[int64]bool{}
	for _, r := range recs {
		switch r.Action {
		case audit.Purge:
			purges[r.Object] = true
		case audit.Delete:
			var d struct{ Copies []int64 }
			json.Unmarshal(r.Details, &d)
			for _, id := range d.Copies {
				deletions[id] = true
			}
		}
	}
	sweeping := kind == "sweep" || kind == "purge"
	for id, c := range before {
		a, ok := after[id]
		switch {
		case !ok: // purged
			s.purged++
			if !sweeping {
				s.fatalf("step %d (%s): copy %d vanished", n, kind, id)
			}
			if h := s.heldBy(c); h != nil {
				s.fatalf("step %d: copy %d purged under hold %d", n, id, h.id)
			}
			if r := s.retainedUntil(c); s.now.Before(r) {
				s.fatalf("step %d: copy %d purged within its retention (until %s)", n, id, r)
			}
			since, was := s.deletedSince[id]
			if !(was && !s.now.Before(since.AddDate(0, 0, s.recovery))) && !(kind == "sweep" && s.recovery == 0) {
				s.fatalf("step %d: copy %d purged before its recovery period of %d days was over (deleted %v)", n, id, s.recovery, since)
			}
			if !purges[fmt.Sprintf("copy:%d", id)] {
				s.fatalf("step %d: copy %d purged without an audit record", n, id)
			}
			delete(s.deletedSince, id)
		case !c.Deleted() && a.Deleted():
			if kind != "sweep" && kind != "delete" {
				s.fatalf("step %d (%s): copy %d deleted", n, kind, id)
			}
			if h := s.heldBy(c); h != nil {
				s.fatalf("step %d: copy %d deleted under hold %d", n, id, h.id)
			}
			if due, ok := s.dueAt(c); kind == "sweep" && (!ok || s.now.Before(due)) {
				s.fatalf("step %d: copy %d deleted by the sweep before it fell due (%v %v)", n, id, due, ok)
			}
			if !deletions[id] {
				s.fatalf("step %d: copy %d deleted without an audit record", n, id)
			}
		case c.Deleted() && !a.Deleted():
			if kind != "recover" {
				s.fatalf("step %d (%s): copy %d came back", n, kind, id)
			}
			delete(s.deletedSince, id)
		}
		if ok && a.Deleted() {
			if _, seen := s.deletedSince[id]; !seen {
				s.deletedSince[id] = s.now
			}
		}
	}
	for id := range after {
		if _, ok := before[id]; !ok && kind != "import" {
			s.fatalf("step %d (%s): copy %d appeared", n, kind, id)
		}
	}
	if sweeping {
		for id, c := range after {
			if c.Deleted() && !s.now.Before(s.deletedSince[id].AddDate(0, 0, s.recovery)) {
				if h := s.heldBy(c); h != nil {
					s.counts["refused-held"]++
					if h.word != "" {
						s.counts["refused-held-query"]++
					}
				} else if s.now.Before(s.retainedUntil(c)) {
					s.counts["refused-retained"]++
				}
			}
		}
	}
	if kind == "sweep" {
		for id, c := range after {
			if s.heldBy(c) != nil {
				continue
			}
			if due, ok := s.dueAt(c); !c.Deleted() && ok && !s.now.Before(due) {
				s.fatalf("step %d: copy %d is past its delete-after (%s), not held, and still live after a sweep", n, id, due)
			}
			if c.Deleted() && !s.now.Before(s.deletedSince[id].AddDate(0, 0, s.recovery)) && !s.now.Before(s.retainedUntil(c)) {
				s.fatalf("step %d: copy %d, deleted %s, past its recovery period, not held or retained, still there after a sweep",
					n, id, s.deletedSince[id])
			}
		}
	}
	if n%250 == 0 {
		s.checkItems()
		s.checkAudit()
	}
}

// checkItems checks that every item still archived has the content it was
// archived with.
func (s *sim) checkItems() {
	for id, it := range s.items {
		var src item.Source
		for _, x := range simSources {
			src = x
			got, err := s.st.Item(s.ctx, src, id)
			if err == nil {
				if got.SHA256 != it.sha256 {
					s.fatalf("item %s changed: sha256 %s, archived as %s", id, got.SHA256, it.sha256)
				}
				break
			}
		}
	}
}

func (s *sim) checkAudit() {
	n, _, p, err := s.st.VerifyAudit(s.ctx)
	if err != nil || p != nil {
		s.fatalf("audit log after %d records: %v %v", n, err, p)
	}
}

// checkBlobs checks that every blob an item refers to is there and that,
// after a final sweep, no blob is left that no item refers to.
func (s *sim) checkBlobs() {
	if _, err := s.st.CollectBlobs(s.ctx); err != nil {
		s.fatalf("collecting blobs: %v", err)
	}
	rows, err := s.db.Query(`SELECT DISTINCT sha256 FROM item_blobs`)
	if err != nil {
		s.fatalf("%v", err)
	}
	used := map[string]bool{}
	for rows.Next() {
		var sha string
		rows.Scan(&sha)
		used[sha] = true
		if _, err := s.st.Blobs().Stat(s.ctx, sha); err != nil {
			s.fatalf("blob %s in use but gone: %v", sha, err)
		}
	}
	rows.Close()
	var files []string
	filepath.WalkDir(filepath.Join(s.st.Dir(), "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(p, string(filepath.Separator)+"tmp"+string(filepath.Separator)) {
			files = append(files, filepath.Base(p))
		}
		return nil
	})
	sort.Strings(files)
	for _, f := range files {
		if !used[f] {
			s.fatalf("blob %s is used by no item but was not collected", f)
		}
	}
}

func sameCopies(a, b map[int64]store.CopyState) bool {
	if len(a) != len(b) {
		return false
	}
	for id, c := range a {
		if b[id] != c {
			return false
		}
	}
	return true
}
