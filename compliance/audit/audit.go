// Package audit is the model of the audit log: records of who did what, to
// which object, when, and with what outcome, chained by SHA-256 so that an
// edited, removed or reordered record is found by walking the chain.
//
// Invariants:
//   - Records are numbered 1, 2, 3… without gaps, in the order they were
//     appended.
//   - Each record holds the hash of the record before it (Genesis for the
//     first) and its own hash, the SHA-256 of its canonical encoding (see
//     Canonical), which covers every field but the hash itself.
//   - The log is append-only: nothing updates or deletes a record.
//
// The package is pure: the store appends records (in the same transaction
// as the action they describe, where the action is a store write) and
// Verifier checks a chain read back.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Genesis is the previous hash of the first record.
var Genesis = strings.Repeat("0", 64)

// Actions recorded in the log. Actions are dotted nouns and verbs; a search
// for "hold" finds every action that begins "hold.".
const (
	Login            = "login"
	UserCreate       = "user.create"
	UserUpdate       = "user.update"
	MailboxCreate    = "mailbox.create"
	MappingChange    = "mapping.change"
	ConnectorChange  = "connector.change"
	ConnectorRun     = "connector.run"
	Import           = "import"
	QuarantineReplay = "quarantine.replay"
	Search           = "search"
	IndexRebuild     = "index.rebuild"
	ItemsVerify      = "items.verify"
	Export           = "export"
	HoldPlace        = "hold.place"
	HoldRelease      = "hold.release"
	PolicyCreate     = "policy.create"
	PolicyUpdate     = "policy.update"
	PolicyRemove     = "policy.remove"
	RecoveryPeriod   = "policy.recovery-period"
	RetentionRun     = "retention.run"
	Delete           = "delete"
	Recover          = "recover"
	Purge            = "purge"     // one record per copy purged
	PurgeRun         = "purge.run" // one record per purge run, with its counts
	Review           = "review"
	AuditVerify      = "audit.verify"
	AuditSearch      = "audit.search"
	AuditExport      = "audit.export"
)

// Outcomes of an action.
const (
	Success = "success"
	Failure = "failure" // the action failed or was refused as a bad request; details say why
	Refused = "refused" // the action was refused by a rule (a hold, a retention period)
)

// Entry is what a caller records; the store numbers, dates and chains it.
type Entry struct {
	Actor   string
	Action  string
	Object  string // what the action was on: "hold:3", "mailbox:alice@corp.example", "copy:123"…
	Outcome string // Success, Failure or Refused; Success when empty
	// Details is marshalled as a JSON object (map keys sorted by
	// encoding/json, so the text is deterministic).
	Details any
}

// Record is one entry of the log as stored.
type Record struct {
	Seq      int64           `json:"seq"`
	Time     time.Time       `json:"time"` // UTC, millisecond precision
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Object   string          `json:"object"`
	Outcome  string          `json:"outcome"`
	Details  json.RawMessage `json:"details"` // compact JSON, as hashed
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// New makes the record that follows the one with hash prev: numbered seq,
// dated now, with its hash set.
func New(e Entry, seq int64, now time.Time, prev string) (Record, error) {
	if e.Actor == "" || e.Action == "" {
		return Record{}, fmt.Errorf("audit entry %q: actor and action are required", e.Action)
	}
	outcome := e.Outcome
	if outcome == "" {
		outcome = Success
	}
	details := []byte("{}")
	if e.Details != nil {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return Record{}, fmt.Errorf("audit entry %q: details: %w", e.Action, err)
		}
		if len(b) == 0 || b[0] != '{' {
			return Record{}, fmt.Errorf("audit entry %q: details must be a JSON object", e.Action)
		}
		details = b
	}
	r := Record{Seq: seq, Time: time.UnixMilli(now.UnixMilli()).UTC(), Actor: e.Actor, Action: e.Action,
		Object: e.Object, Outcome: outcome, Details: details, PrevHash: prev}
	r.Hash = HashOf(r)
	return r, nil
}

// Canonical is the byte string a record's hash is taken over: a version tag
// and every field but Hash, each written as its length in bytes, a colon,
// the bytes and a comma (so no two records encode alike), in the order
// seq, time (Unix milliseconds), actor, action, object, outcome, details,
// previous hash.
func Canonical(r Record) []byte {
	var b []byte
	field := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, ',')
	}
	field("custos-audit-1")
	field(strconv.FormatInt(r.Seq, 10))
	field(strconv.FormatInt(r.Time.UnixMilli(), 10))
	field(r.Actor)
	field(r.Action)
	field(r.Object)
	field(r.Outcome)
	field(string(r.Details))
	field(r.PrevHash)
	return b
}

// HashOf returns the hex SHA-256 of the record's canonical encoding.
func HashOf(r Record) string {
	h := sha256.Sum256(Canonical(r))
	return hex.EncodeToString(h[:])
}

// MatchAction reports whether action is what pattern asks for: the same
// action, or one of its family when pattern is a prefix ("hold" or "hold.*"
// finds "hold.place" and "hold.release").
func MatchAction(pattern, action string) bool {
	pattern = strings.TrimSuffix(strings.TrimSuffix(pattern, "*"), ".")
	return action == pattern || strings.HasPrefix(action, pattern+".")
}
