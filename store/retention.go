package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/compliance/retention"
	"github.com/custos-archive/custos/item"
)

// DefaultRecoveryDays is how long a deleted copy stays recoverable before it
// may be purged, unless set otherwise (SetRecoveryDays).
const DefaultRecoveryDays = 14

// AddPolicy validates and stores a retention policy created by p.CreatedBy,
// and records it in the audit log in the same transaction. A name in use
// (ErrExists) or a mailbox that does not exist (ErrNotFound) changes
// nothing.
func (s *Store) AddPolicy(ctx context.Context, p retention.Policy) (retention.Policy, error) {
	p.ID = 0
	p.Name = strings.TrimSpace(p.Name)
	p.Scope.Mailboxes = normAddresses(p.Scope.Mailboxes)
	p.CreatedAt = time.UnixMilli(s.now().UnixMilli()).UTC()
	p.UpdatedBy, p.UpdatedAt = p.CreatedBy, p.CreatedAt
	if err := p.Validate(); err != nil {
		return retention.Policy{}, err
	}
	if strings.TrimSpace(p.CreatedBy) == "" {
		return retention.Policy{}, fmt.Errorf("%w: say who creates the policy", retention.ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO retention_policies (name, action, days, scope, scope_value, created_by, created_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Name, string(p.Action), p.Days, string(p.Scope.Kind), scopeValue(p.Scope),
			p.CreatedBy, p.CreatedAt.UnixMilli(), p.UpdatedBy, p.UpdatedAt.UnixMilli())
		if isUnique(err) {
			return fmt.Errorf("policy name %q: %w: choose another name", p.Name, ErrExists)
		}
		if err != nil {
			return err
		}
		p.ID, _ = res.LastInsertId()
		if err := putPolicyMailboxes(ctx, tx, p); err != nil {
			return err
		}
		_, err = s.appendAudit(ctx, tx, audit.Entry{Actor: p.CreatedBy, Action: audit.PolicyCreate, Object: policyObject(p.ID), Details: policyDetails(p)})
		return err
	})
	if err != nil {
		return retention.Policy{}, fmt.Errorf("adding retention policy %q: %w", p.Name, err)
	}
	return p, nil
}

// UpdatePolicy replaces the policy with p's id by p, changed by
// p.UpdatedBy, and records the change (before and after) in the audit log in
// the same transaction. It returns the policy as it was and as it is.
func (s *Store) UpdatePolicy(ctx context.Context, p retention.Policy) (before, after retention.Policy, err error) {
	p.Name = strings.TrimSpace(p.Name)
	p.Scope.Mailboxes = normAddresses(p.Scope.Mailboxes)
	p.UpdatedAt = time.UnixMilli(s.now().UnixMilli()).UTC()
	if err := p.Validate(); err != nil {
		return before, after, err
	}
	if strings.TrimSpace(p.UpdatedBy) == "" {
		return before, after, fmt.Errorf("%w: say who changes the policy", retention.ErrInvalid)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		ps, err := loadPolicies(ctx, tx, "WHERE p.id = ?", p.ID)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return fmt.Errorf("policy %d: %w (see 'custos retention policy list')", p.ID, ErrNotFound)
		}
		before = ps[0]
		p.CreatedBy, p.CreatedAt = before.CreatedBy, before.CreatedAt
		_, err = tx.ExecContext(ctx, `UPDATE retention_policies SET name = ?, action = ?, days = ?, scope = ?, scope_value = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			p.Name, string(p.Action), p.Days, string(p.Scope.Kind), scopeValue(p.Scope), p.UpdatedBy, p.UpdatedAt.UnixMilli(), p.ID)
		if isUnique(err) {
			return fmt.Errorf("policy name %q: %w: choose another name", p.Name, ErrExists)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM retention_mailboxes WHERE policy_id = ?`, p.ID); err != nil {
			return err
		}
		if err := putPolicyMailboxes(ctx, tx, p); err != nil {
			return err
		}
		after = p
		_, err = s.appendAudit(ctx, tx, audit.Entry{Actor: p.UpdatedBy, Action: audit.PolicyUpdate, Object: policyObject(p.ID),
			Details: map[string]any{"before": policyDetails(before), "after": policyDetails(after)}})
		return err
	})
	if err != nil {
		return before, after, fmt.Errorf("updating retention policy %d: %w", p.ID, err)
	}
	return before, after, nil
}

// RemovePolicy removes a policy, and records it (with the policy as it
// was) in the audit log in the same transaction.
func (s *Store) RemovePolicy(ctx context.Context, id int64, by string) (retention.Policy, error) {
	if strings.TrimSpace(by) == "" {
		return retention.Policy{}, fmt.Errorf("removing retention policy %d: %w: say who removes it", id, retention.ErrInvalid)
	}
	var p retention.Policy
	err := s.write(ctx, func(tx *sql.Tx) error {
		ps, err := loadPolicies(ctx, tx, "WHERE p.id = ?", id)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return fmt.Errorf("policy %d: %w (see 'custos retention policy list')", id, ErrNotFound)
		}
		p = ps[0]
		for _, q := range []string{`DELETE FROM retention_mailboxes WHERE policy_id = ?`, `DELETE FROM retention_policies WHERE id = ?`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		_, err = s.appendAudit(ctx, tx, audit.Entry{Actor: by, Action: audit.PolicyRemove, Object: policyObject(id), Details: policyDetails(p)})
		return err
	})
	if err != nil {
		return retention.Policy{}, fmt.Errorf("removing retention policy %d: %w", id, err)
	}
	return p, nil
}

// Policies lists the retention policies, by id.
func (s *Store) Policies(ctx context.Context) ([]retention.Policy, error) {
	ps, err := loadPolicies(ctx, s.r, "")
	if err != nil {
		return nil, fmt.Errorf("listing retention policies: %w", err)
	}
	return ps, nil
}

// Policy returns the policy with that id, or, when ref is not a number, the
// one with that name.
func (s *Store) Policy(ctx context.Context, ref string) (retention.Policy, error) {
	where, arg := "WHERE p.name = ?", any(strings.TrimSpace(ref))
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		where, arg = "WHERE p.id = ?", id
	}
	ps, err := loadPolicies(ctx, s.r, where, arg)
	if err != nil {
		return retention.Policy{}, fmt.Errorf("retention policy %s: %w", ref, err)
	}
	if len(ps) == 0 {
		return retention.Policy{}, fmt.Errorf("retention policy %s: %w (see 'custos retention policy list')", ref, ErrNotFound)
	}
	return ps[0], nil
}

func policyObject(id int64) string { return fmt.Sprintf("policy:%d", id) }

func policyDetails(p retention.Policy) map[string]any {
	d := map[string]any{"name": p.Name, "action": p.Action, "days": p.Days, "scope": p.Scope.Kind}
	switch p.Scope.Kind {
	case retention.Source:
		d["source"] = p.Scope.Source
	case retention.Folder:
		d["folder"] = p.Scope.Folder
	case retention.Mailboxes:
		d["mailboxes"] = p.Scope.Mailboxes
	}
	return d
}

func scopeValue(sc retention.Scope) string {
	switch sc.Kind {
	case retention.Source:
		return string(sc.Source)
	case retention.Folder:
		return sc.Folder
	}
	return ""
}

func putPolicyMailboxes(ctx context.Context, tx *sql.Tx, p retention.Policy) error {
	if p.Scope.Kind != retention.Mailboxes {
		return nil
	}
	ids, err := mailboxIDs(ctx, tx, p.Scope.Mailboxes)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO retention_mailboxes (policy_id, mailbox_id) VALUES (?, ?)`, p.ID, id); err != nil {
			return err
		}
	}
	return nil
}

func loadPolicies(ctx context.Context, q querier, where string, args ...any) ([]retention.Policy, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.name, p.action, p.days, p.scope, p.scope_value, p.created_by, p.created_at, p.updated_by, p.updated_at,
			COALESCE((SELECT group_concat(m.address, char(10)) FROM retention_mailboxes rm JOIN mailboxes m ON m.id = rm.mailbox_id WHERE rm.policy_id = p.id), '')
		FROM retention_policies p `+where+` ORDER BY p.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []retention.Policy
	for rows.Next() {
		var p retention.Policy
		var action, scope, value, mbs string
		var created, updated int64
		if err := rows.Scan(&p.ID, &p.Name, &action, &p.Days, &scope, &value, &p.CreatedBy, &created, &p.UpdatedBy, &updated, &mbs); err != nil {
			return nil, err
		}
		p.Action = retention.Action(action)
		p.Scope.Kind = retention.ScopeKind(scope)
		switch p.Scope.Kind {
		case retention.Source:
			p.Scope.Source = item.Source(value)
		case retention.Folder:
			p.Scope.Folder = value
		case retention.Mailboxes:
			if mbs != "" {
				p.Scope.Mailboxes = strings.Split(mbs, "\n")
				sort.Strings(p.Scope.Mailboxes)
			}
		}
		p.CreatedAt, p.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// RecoveryDays returns how many days a deleted copy stays recoverable
// before it may be purged.
func (s *Store) RecoveryDays(ctx context.Context) (int, error) {
	return recoveryDays(ctx, s.r)
}

func recoveryDays(ctx context.Context, q querier) (int, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM compliance_settings WHERE name = 'recovery_days'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultRecoveryDays, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the recovery period: %w", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("the stored recovery period %q is not a number", v)
	}
	return n, nil
}

// SetRecoveryDays sets how many days a deleted copy stays recoverable, and
// records the change in the audit log in the same transaction.
func (s *Store) SetRecoveryDays(ctx context.Context, days int, by string) (before int, err error) {
	if days < 0 || days > retention.MaxDays {
		return 0, fmt.Errorf("%w: recovery period %d days: give 0 or more days", retention.ErrInvalid, days)
	}
	if strings.TrimSpace(by) == "" {
		return 0, fmt.Errorf("%w: say who sets the recovery period", retention.ErrInvalid)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if before, err = recoveryDays(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO compliance_settings (name, value) VALUES ('recovery_days', ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, strconv.Itoa(days)); err != nil {
			return err
		}
		_, err = s.appendAudit(ctx, tx, audit.Entry{Actor: by, Action: audit.RecoveryPeriod, Object: "settings:recovery_days",
			Details: map[string]any{"before": before, "after": days}})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("setting the recovery period: %w", err)
	}
	return before, nil
}
