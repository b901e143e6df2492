package audit

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is the first place where a chain is broken.
type Problem struct {
	Seq  int64  `json:"seq"`  // the record at fault (or the first one missing)
	Kind string `json:"kind"` // one of the Kind constants
	Msg  string `json:"message"`
}

func (p *Problem) Error() string { return p.Msg }

// Kinds of problem.
const (
	Edited    = "edited"    // a record's content does not match its hash
	Missing   = "missing"   // records are absent from the middle of the log
	Reordered = "reordered" // a record sits at another place than the one it was appended at
	Unlinked  = "unlinked"  // a record does not name the hash of the one before it
	Truncated = "truncated" // records are absent from the end of the log
	Anchor    = "anchor"    // a record does not have the hash an outside anchor gives for it
)

// Head is the last record of a log: its number and hash. The store keeps it
// beside the log, updated with each append; a copy kept outside the data
// folder (printed by `custos audit verify`) is an anchor that no rewrite of
// the database can match.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

func (h Head) String() string { return strconv.FormatInt(h.Seq, 10) + ":" + h.Hash }

// ParseHead parses "SEQ:HASH".
func ParseHead(s string) (Head, error) {
	seq, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 0 || len(hash) != 64 {
		return Head{}, fmt.Errorf("head %q: want SEQ:HASH, as `custos audit verify` prints it", s)
	}
	return Head{Seq: n, Hash: strings.ToLower(hash)}, nil
}

// reorderWindow is how far from its place a moved record is looked for.
const reorderWindow = 64

// Verifier walks a chain record by record, in the order of their numbers,
// and stops at the first problem.
type Verifier struct {
	next    int64 // the number the next record must have
	prev    string
	n       int64
	anchors map[int64]string
	problem *Problem
}

// NewVerifier returns a verifier for a log that starts at record 1.
// anchors, when given, are records whose hashes are known from outside.
func NewVerifier(anchors ...Head) *Verifier {
	v := &Verifier{next: 1, prev: Genesis, anchors: map[int64]string{}}
	for _, a := range anchors {
		v.anchors[a.Seq] = a.Hash
	}
	return v
}

// Add checks the next record. It returns the chain's first problem, once
// one is found (and then ignores further records).
func (v *Verifier) Add(r Record) *Problem {
	if v.problem != nil {
		return v.problem
	}
	switch {
	case r.Seq < v.next:
		v.fail(r.Seq, Reordered, "record %d appears again after record %d: the log's order was altered", r.Seq, v.next-1)
	case HashOf(r) != r.Hash:
		// Was it appended at another place, and moved here?
		for d := int64(1); d <= reorderWindow; d++ {
			for _, s := range []int64{r.Seq - d, r.Seq + d} {
				x := r
				x.Seq = s
				if s > 0 && HashOf(x) == r.Hash {
					v.fail(r.Seq, Reordered, "record %d is record %d of the chain, moved: the records were swapped or reordered", r.Seq, s)
					return v.problem
				}
			}
		}
		v.fail(r.Seq, Edited, "record %d (%s by %s at %s) does not match its hash: it was edited after it was written",
			r.Seq, r.Action, r.Actor, r.Time.Format("2006-01-02T15:04:05.000Z"))
	case r.Seq > v.next:
		if r.Seq == v.next+1 {
			v.fail(v.next, Missing, "record %d is missing (the log goes from %d to %d): it was removed", v.next, v.next-1, r.Seq)
		} else {
			v.fail(v.next, Missing, "records %d to %d are missing (the log goes from %d to %d): they were removed", v.next, r.Seq-1, v.next-1, r.Seq)
		}
	case r.PrevHash != v.prev:
		v.fail(r.Seq, Unlinked, "record %d does not follow record %d (its previous hash is not %d's hash): a record was replaced, or the chain was rewritten from here", r.Seq, r.Seq-1, r.Seq-1)
	default:
		if h, ok := v.anchors[r.Seq]; ok && h != r.Hash {
			v.fail(r.Seq, Anchor, "record %d has hash %s but the anchor says %s: the log was rewritten up to here", r.Seq, r.Hash, h)
			return v.problem
		}
		v.next = r.Seq + 1
		v.prev = r.Hash
		v.n++
	}
	return v.problem
}

func (v *Verifier) fail(seq int64, kind, format string, args ...any) {
	v.problem = &Problem{Seq: seq, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// End finishes the walk: head is the head kept beside the log. It returns
// the chain's first problem, or nil when the whole chain holds.
func (v *Verifier) End(head Head) *Problem {
	if v.problem != nil {
		return v.problem
	}
	last := v.next - 1
	switch {
	case head.Seq > last:
		v.fail(last+1, Truncated, "the log ends at record %d but %d records were written: records %d to %d were removed from the end", last, head.Seq, last+1, head.Seq)
	case head.Seq < last:
		v.fail(head.Seq+1, Truncated, "the log's head says %d records were written but the log has %d: the head was altered", head.Seq, last)
	case head.Hash != v.prev:
		v.fail(last, Edited, "record %d's hash is not the one the head recorded: the end of the log was rewritten", last)
	}
	for s := range v.anchors {
		if s > last && v.problem == nil {
			v.fail(last+1, Anchor, "the anchor names record %d but the log ends at %d: records were removed from the end", s, last)
		}
	}
	return v.problem
}

// Verified returns the number of records checked and the last one's head.
func (v *Verifier) Verified() (int64, Head) {
	return v.n, Head{Seq: v.next - 1, Hash: v.prev}
}
