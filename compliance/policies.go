package compliance

import (
	"context"
	"strconv"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/compliance/retention"
)

// AddPolicy creates a retention policy by actor. A bad request (a negative
// or zero duration, an unknown action or source, a mailbox that does not
// exist, a name in use) creates nothing and is recorded in the audit log as
// a failure. The policy applies from the next sweep.
func (s *Service) AddPolicy(ctx context.Context, actor string, p retention.Policy) (retention.Policy, error) {
	p.CreatedBy = actor
	got, err := s.st.AddPolicy(ctx, p)
	if err != nil {
		return retention.Policy{}, s.failed(ctx, audit.Entry{Actor: actor, Action: audit.PolicyCreate, Object: "policy:" + p.Name,
			Details: policyRequest(p)}, err)
	}
	return got, nil
}

// PolicyChange is a change to a policy; nil fields stay as they are.
type PolicyChange struct {
	Name   *string
	Action *retention.Action
	Days   *int
	Scope  *retention.Scope
}

// UpdatePolicy changes the policy ref (an id or a name) by actor, and
// returns it as it was and as it is.
func (s *Service) UpdatePolicy(ctx context.Context, actor, ref string, c PolicyChange) (before, after retention.Policy, err error) {
	e := audit.Entry{Actor: actor, Action: audit.PolicyUpdate, Object: "policy:" + ref}
	p, err := s.st.Policy(ctx, ref)
	if err != nil {
		return before, after, s.failed(ctx, e, err)
	}
	e.Object = "policy:" + itoa(p.ID)
	if c.Name != nil {
		p.Name = *c.Name
	}
	if c.Action != nil {
		p.Action = *c.Action
	}
	if c.Days != nil {
		p.Days = *c.Days
	}
	if c.Scope != nil {
		p.Scope = *c.Scope
	}
	p.UpdatedBy = actor
	e.Details = policyRequest(p)
	before, after, err = s.st.UpdatePolicy(ctx, p)
	if err != nil {
		return before, after, s.failed(ctx, e, err)
	}
	return before, after, nil
}

// RemovePolicy removes the policy ref (an id or a name) by actor. Copies it
// had already deleted stay in the recoverable stage.
func (s *Service) RemovePolicy(ctx context.Context, actor, ref string) (retention.Policy, error) {
	e := audit.Entry{Actor: actor, Action: audit.PolicyRemove, Object: "policy:" + ref}
	p, err := s.st.Policy(ctx, ref)
	if err != nil {
		return retention.Policy{}, s.failed(ctx, e, err)
	}
	got, err := s.st.RemovePolicy(ctx, p.ID, actor)
	if err != nil {
		e.Object = "policy:" + itoa(p.ID)
		return retention.Policy{}, s.failed(ctx, e, err)
	}
	return got, nil
}

// Policies lists the retention policies.
func (s *Service) Policies(ctx context.Context) ([]retention.Policy, error) {
	return s.st.Policies(ctx)
}

// RecoveryDays returns the recovery period in days.
func (s *Service) RecoveryDays(ctx context.Context) (int, error) { return s.st.RecoveryDays(ctx) }

// SetRecoveryDays sets the recovery period by actor, and returns the one
// before.
func (s *Service) SetRecoveryDays(ctx context.Context, actor string, days int) (int, error) {
	before, err := s.st.SetRecoveryDays(ctx, days, actor)
	if err != nil {
		return 0, s.failed(ctx, audit.Entry{Actor: actor, Action: audit.RecoveryPeriod, Object: "settings:recovery_days",
			Details: map[string]any{"after": days}}, err)
	}
	return before, nil
}

func policyRequest(p retention.Policy) map[string]any {
	return map[string]any{"name": p.Name, "action": p.Action, "days": p.Days, "scope": p.Scope.Kind,
		"source": p.Scope.Source, "folder": p.Scope.Folder, "mailboxes": p.Scope.Mailboxes}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
