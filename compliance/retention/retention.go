// Package retention is the model of retention policies and the rules that
// decide, for one archived copy, how long it must be kept and when it is
// deleted.
//
// A policy retains items for N days, deletes them after N days, or retains
// them for N days and then deletes them; N counts from the item's sent
// time. Its scope is the whole archive, one source, one folder name, or
// chosen mailboxes. Where several policies apply to a copy, the principles
// of retention decide (Evaluate):
//
//  1. A hold beats any deletion (enforced by the store, see package hold).
//  2. Retention beats deletion: a copy is not deleted before every
//     retention that applies to it has run out.
//  3. The longest retention wins.
//  4. For deletion, the most explicit scope wins: chosen mailboxes, then a
//     source or a folder, then the whole archive; among the deletions of
//     the most explicit scope the shortest wins.
//
// The package is pure: the store keeps the policies, the compliance
// service applies the decisions.
package retention

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// ErrInvalid is wrapped by errors for a policy that cannot be stored as
// asked.
var ErrInvalid = errors.New("invalid retention policy")

// Action is what a policy does with the items in its scope.
type Action string

const (
	Retain       Action = "retain"        // keep at least Days
	Delete       Action = "delete"        // delete after Days
	RetainDelete Action = "retain-delete" // keep at least Days, then delete
)

// ParseAction parses an action name.
func ParseAction(s string) (Action, error) {
	switch a := Action(strings.ToLower(strings.TrimSpace(s))); a {
	case Retain, Delete, RetainDelete:
		return a, nil
	case "retain-then-delete", "retain_delete":
		return RetainDelete, nil
	}
	return "", fmt.Errorf("%w: action %q: want retain, delete or retain-delete", ErrInvalid, s)
}

// Retains reports whether the action keeps items for its days.
func (a Action) Retains() bool { return a == Retain || a == RetainDelete }

// Deletes reports whether the action deletes items after its days.
func (a Action) Deletes() bool { return a == Delete || a == RetainDelete }

// ScopeKind is what a policy's scope is made of.
type ScopeKind string

const (
	All       ScopeKind = "all"       // every copy in the archive
	Source    ScopeKind = "source"    // copies of one source
	Folder    ScopeKind = "folder"    // copies in folders of one name
	Mailboxes ScopeKind = "mailboxes" // copies in chosen mailboxes
)

// Scope is the copies a policy applies to.
type Scope struct {
	Kind      ScopeKind   `json:"kind"`
	Source    item.Source `json:"source,omitempty"`    // for Source
	Folder    string      `json:"folder,omitempty"`    // for Folder; matched without regard to case
	Mailboxes []string    `json:"mailboxes,omitempty"` // for Mailboxes; addresses, lowercase
}

// Rank orders scopes from broad (0) to explicit (2).
func (s Scope) Rank() int {
	switch s.Kind {
	case Mailboxes:
		return 2
	case Source, Folder:
		return 1
	}
	return 0
}

// Matches reports whether the scope covers the copy.
func (s Scope) Matches(c Copy) bool {
	switch s.Kind {
	case All:
		return true
	case Source:
		return string(s.Source) == c.Source
	case Folder:
		return strings.EqualFold(s.Folder, c.Folder)
	case Mailboxes:
		for _, m := range s.Mailboxes {
			if strings.EqualFold(m, c.Mailbox) {
				return true
			}
		}
	}
	return false
}

func (s Scope) String() string {
	switch s.Kind {
	case Source:
		return "source " + string(s.Source)
	case Folder:
		return fmt.Sprintf("folder %q", s.Folder)
	case Mailboxes:
		return "mailboxes " + strings.Join(s.Mailboxes, ", ")
	}
	return "all mailboxes"
}

// Policy is a retention policy.
type Policy struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Action    Action    `json:"action"`
	Days      int       `json:"days"`
	Scope     Scope     `json:"scope"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxDays bounds a policy's duration (a thousand years).
const MaxDays = 365_000

// Validate checks a policy before it is stored.
func (p Policy) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(p.Name) == "" {
		return bad("give the policy a name")
	}
	if _, err := ParseAction(string(p.Action)); err != nil {
		return err
	}
	if p.Days < 0 {
		return bad("duration %d days is negative: give a number of days of 1 or more", p.Days)
	}
	if p.Days == 0 {
		return bad("duration 0 days: give a number of days of 1 or more")
	}
	if p.Days > MaxDays {
		return bad("duration %d days is more than %d", p.Days, MaxDays)
	}
	switch p.Scope.Kind {
	case All:
	case Source:
		if _, err := item.ParseSource(string(p.Scope.Source)); err != nil {
			return bad("scope: %v", err)
		}
	case Folder:
		if strings.TrimSpace(p.Scope.Folder) == "" {
			return bad("scope: name the folder")
		}
	case Mailboxes:
		if len(p.Scope.Mailboxes) == 0 {
			return bad("scope: name at least one mailbox")
		}
	default:
		return bad("scope %q: want all, source, folder or mailboxes", p.Scope.Kind)
	}
	return nil
}

func (p Policy) String() string {
	var what string
	switch p.Action {
	case Retain:
		what = "retain " + Days(p.Days)
	case Delete:
		what = "delete after " + Days(p.Days)
	default:
		what = "retain " + Days(p.Days) + ", then delete"
	}
	return fmt.Sprintf("policy %d %q (%s, %s)", p.ID, p.Name, what, p.Scope)
}

// Days writes a number of days: "1 day", "30 days".
func Days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// Copy is what the rules need to know of an archived copy.
type Copy struct {
	Source  string // item.Source
	Folder  string
	Mailbox string // address
	Sent    time.Time
}

// Decision is what the policies say of one copy.
type Decision struct {
	// RetainUntil is the end of the longest retention that applies, and
	// Retainer the policy that sets it; zero and nil when none applies.
	RetainUntil time.Time
	Retainer    *Policy
	// DeleteAt is when the winning deletion falls due, and Deleter the
	// policy it comes from; zero and nil when no policy deletes the copy.
	// Retention beats deletion: the copy is deleted at Due, not before
	// RetainUntil.
	DeleteAt time.Time
	Deleter  *Policy
}

// Evaluate applies the principles of retention to a copy.
func Evaluate(ps []Policy, c Copy) Decision {
	var d Decision
	rank := -1
	for i := range ps {
		p := &ps[i]
		if !p.Scope.Matches(c) {
			continue
		}
		at := c.Sent.Add(time.Duration(p.Days) * 24 * time.Hour)
		if p.Action.Retains() && (d.Retainer == nil || at.After(d.RetainUntil) || at.Equal(d.RetainUntil) && p.ID < d.Retainer.ID) {
			d.RetainUntil, d.Retainer = at, p
		}
		if p.Action.Deletes() {
			r := p.Scope.Rank()
			if r > rank || r == rank && (at.Before(d.DeleteAt) || at.Equal(d.DeleteAt) && p.ID < d.Deleter.ID) {
				rank, d.DeleteAt, d.Deleter = r, at, p
			}
		}
	}
	return d
}

// Retained reports whether a retention still applies at now.
func (d Decision) Retained(now time.Time) bool {
	return d.Retainer != nil && now.Before(d.RetainUntil)
}

// Due returns when the copy is to be deleted, and false when no policy
// deletes it: the winning deletion's time, but not before the longest
// retention has run out.
func (d Decision) Due() (time.Time, bool) {
	if d.Deleter == nil {
		return time.Time{}, false
	}
	if d.RetainUntil.After(d.DeleteAt) {
		return d.RetainUntil, true
	}
	return d.DeleteAt, true
}

// DueBy reports whether the copy is to be deleted at now.
func (d Decision) DueBy(now time.Time) bool {
	due, ok := d.Due()
	return ok && !now.Before(due)
}

// Why says in words why a copy is due for deletion.
func (d Decision) Why() string {
	if d.Deleter == nil {
		return "no policy deletes it"
	}
	s := d.Deleter.String()
	if d.RetainUntil.After(d.DeleteAt) {
		s += fmt.Sprintf(", after %s's retention ran out on %s", d.Retainer.String(), d.RetainUntil.UTC().Format("2006-01-02"))
	}
	return s
}
