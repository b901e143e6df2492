// Package connector pulls captured items from a capture site into the
// archive, as the seeds' data connectors do: a connector is created by
// walking the seeds' steps (terms of service, login to the site, user
// mapping, admin consent, review), then runs on a schedule — each run pulls
// everything captured since its checkpoint, page by page, and files it
// through the archive pipeline, the checkpoint moving in the same
// transaction as each page. So a missed day loses nothing, and a crash, a
// restart or a re-run neither loses nor duplicates an item.
package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/custos-archive/custos/compliance/audit"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/siteclient"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
	"github.com/robfig/cron/v3"
)

// Types are the connector types of the seeds, by source.
var Types = map[item.Source]string{
	item.WhatsApp:         "WhatsApp Archiver",
	item.WeChat:           "WeChat Archiver",
	item.EnterpriseNumber: "Enterprise Number Archiver",
}

// The connector states.
const (
	StateDraft  = "draft"  // being created: not all steps done
	StateActive = "active" // runs on its schedule
	StatePaused = "paused" // runs only when asked
	StateError  = "error"  // the last run failed in a way a person must fix
)

// Setup records the creation steps walked, in the seeds' order.
type Setup struct {
	TermsAcceptedAt *time.Time `json:"terms_accepted_at,omitempty"`
	LoginCheckedAt  *time.Time `json:"login_checked_at,omitempty"`
	MappingChosenAt *time.Time `json:"mapping_chosen_at,omitempty"`
	MappingEntries  int        `json:"mapping_entries"`
	ConsentBy       string     `json:"consent_by,omitempty"`
	ConsentAt       *time.Time `json:"consent_at,omitempty"`
	ReviewedAt      *time.Time `json:"reviewed_at,omitempty"`
	CreatedAt       *time.Time `json:"created_at,omitempty"`
}

// The steps, in order.
var Steps = []string{"terms", "login", "mapping", "consent", "review", "create"}

// Next returns the next step to walk, or "" when all are done.
func (s Setup) Next() string {
	switch {
	case s.TermsAcceptedAt == nil:
		return "terms"
	case s.LoginCheckedAt == nil:
		return "login"
	case s.MappingChosenAt == nil:
		return "mapping"
	case s.ConsentAt == nil:
		return "consent"
	case s.ReviewedAt == nil:
		return "review"
	case s.CreatedAt == nil:
		return "create"
	}
	return ""
}

// StepError is a step walked out of order or with bad input.
type StepError struct{ Step, Msg string }

func (e *StepError) Error() string { return e.Step + ": " + e.Msg }

// Manager creates and runs connectors.
type Manager struct {
	st     *store.Store
	p      *archive.Pipeline
	seal   *Sealer
	log    *slog.Logger
	hc     *http.Client
	now    func() time.Time
	policy RetryPolicy

	actor string

	mu      sync.Mutex
	running map[int64]bool
}

// RetryPolicy is how transient failures are retried.
type RetryPolicy struct {
	Attempts int           // per request (default 8)
	First    time.Duration // first wait, doubled each time (default 500 ms)
	Max      time.Duration // longest wait (default 30 s)
}

// Options configure a Manager.
type Options struct {
	Logger     *slog.Logger
	HTTPClient *http.Client
	Now        func() time.Time
	Retry      RetryPolicy
	// Actor is who acts, as the audit log records it (default "custos").
	Actor string
}

// NewManager returns a manager.
func NewManager(st *store.Store, p *archive.Pipeline, seal *Sealer, o Options) *Manager {
	m := &Manager{st: st, p: p, seal: seal, log: o.Logger, hc: o.HTTPClient, now: o.Now, policy: o.Retry, running: map[int64]bool{}, actor: o.Actor}
	if m.actor == "" {
		m.actor = "custos"
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.hc == nil {
		m.hc = &http.Client{Timeout: 5 * time.Minute}
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.policy.Attempts <= 0 {
		m.policy.Attempts = 8
	}
	if m.policy.First <= 0 {
		m.policy.First = 500 * time.Millisecond
	}
	if m.policy.Max <= 0 {
		m.policy.Max = 30 * time.Second
	}
	return m
}

// MappingName is the name of a connector's custom mapping table.
func MappingName(connector string) string { return "connector:" + connector }

func setupOf(c store.Connector) Setup {
	var s Setup
	json.Unmarshal(c.Setup, &s)
	return s
}

func (m *Manager) save(ctx context.Context, c store.Connector, s Setup) (store.Connector, error) {
	b, _ := json.Marshal(s)
	c.Setup = b
	id, err := m.st.PutConnector(ctx, c)
	c.ID = id
	return c, err
}

// record writes an audit record of a change to a connector; err is the
// change's outcome. The password is never in the details.
func (m *Manager) record(ctx context.Context, name, what string, err error, details map[string]any) error {
	e := audit.Entry{Actor: m.actor, Action: audit.ConnectorChange, Object: "connector:" + name, Details: details}
	if details == nil {
		e.Details = map[string]any{}
	}
	e.Details.(map[string]any)["change"] = what
	if err != nil {
		e.Outcome = audit.Failure
		e.Details.(map[string]any)["error"] = err.Error()
	}
	if _, aerr := m.st.Audit(ctx, e); aerr != nil && err == nil {
		return aerr
	}
	return err
}

// Draft starts a connector: a name, a type (a source) and the site's URL.
func (m *Manager) Draft(ctx context.Context, name string, src item.Source, siteURL string) (store.Connector, error) {
	c, err := m.draft(ctx, name, src, siteURL)
	return c, m.record(ctx, name, "drafted", err, map[string]any{"type": string(src), "site": siteURL})
}

func (m *Manager) draft(ctx context.Context, name string, src item.Source, siteURL string) (store.Connector, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "/\\ \t\n") {
		return store.Connector{}, &StepError{"draft", "give a name without spaces or slashes"}
	}
	if _, ok := Types[src]; !ok {
		return store.Connector{}, &StepError{"draft", fmt.Sprintf("unknown type %q (want whatsapp, wechat or enterprise-number)", src)}
	}
	u, err := url.Parse(siteURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return store.Connector{}, &StepError{"draft", fmt.Sprintf("site URL %q: want http(s)://host[:port]", siteURL)}
	}
	return m.save(ctx, store.Connector{Name: name, Source: string(src), SiteURL: strings.TrimRight(siteURL, "/"), State: StateDraft,
		Schedule: "@daily", AutoMapping: true, PasswordEnc: []byte{}}, Setup{})
}

func (m *Manager) step(ctx context.Context, name, step string) (store.Connector, Setup, error) {
	c, err := m.st.Connector(ctx, name)
	if err != nil {
		return c, Setup{}, err
	}
	s := setupOf(c)
	if next := s.Next(); next != step {
		if next == "" {
			return c, s, &StepError{step, "the connector is already created"}
		}
		return c, s, &StepError{step, fmt.Sprintf("walk the step %q first", next)}
	}
	return c, s, nil
}

// AcceptTerms records that the terms of service were accepted.
func (m *Manager) AcceptTerms(ctx context.Context, name string) error {
	return m.record(ctx, name, "terms accepted", m.acceptTerms(ctx, name), nil)
}

func (m *Manager) acceptTerms(ctx context.Context, name string) error {
	c, s, err := m.step(ctx, name, "terms")
	if err != nil {
		return err
	}
	now := m.now().UTC()
	s.TermsAcceptedAt = &now
	_, err = m.save(ctx, c, s)
	return err
}

// Login checks the organisation's credentials with a real login to the
// site, and stores them encrypted.
func (m *Manager) Login(ctx context.Context, name, username, password string) error {
	return m.record(ctx, name, "login checked", m.login(ctx, name, username, password), map[string]any{"username": username})
}

func (m *Manager) login(ctx context.Context, name, username, password string) error {
	c, s, err := m.step(ctx, name, "login")
	if err != nil {
		return err
	}
	cl := siteclient.New(c.SiteURL, username, password, m.hc)
	if err := cl.Login(ctx); err != nil {
		if errors.Is(err, siteclient.ErrAuth) {
			return &StepError{"login", "the capture site refused the username or password"}
		}
		return &StepError{"login", err.Error()}
	}
	now := m.now().UTC()
	s.LoginCheckedAt = &now
	c.Username = username
	c.PasswordEnc = m.seal.Seal(password, c.Name)
	_, err = m.save(ctx, c, s)
	return err
}

// Mapping sets automatic user mapping on or off and, when csv is not nil,
// the custom mapping CSV (validated whole; a bad file changes nothing).
func (m *Manager) Mapping(ctx context.Context, name string, auto bool, csv io.Reader, file string) error {
	return m.record(ctx, name, "mapping chosen", m.mapping(ctx, name, auto, csv, file), map[string]any{"auto": auto, "csv": file})
}

func (m *Manager) mapping(ctx context.Context, name string, auto bool, csv io.Reader, file string) error {
	c, s, err := m.step(ctx, name, "mapping")
	if err != nil {
		return err
	}
	if csv != nil {
		t, err := m.p.SetMappingNamed(ctx, MappingName(c.Name), csv, file)
		if err != nil {
			return err
		}
		s.MappingEntries = t.Len()
	}
	if !auto && csv == nil && s.MappingEntries == 0 {
		return &StepError{"mapping", "with automatic mapping off, upload a mapping CSV, or nothing will map"}
	}
	now := m.now().UTC()
	s.MappingChosenAt = &now
	c.AutoMapping = auto
	_, err = m.save(ctx, c, s)
	return err
}

// SetMappingCSV replaces the custom mapping of a connector that exists
// already; the next run or a Replay files its quarantined items again.
func (m *Manager) SetMappingCSV(ctx context.Context, name string, csv io.Reader, file string) (int, error) {
	n, err := m.setMappingCSV(ctx, name, csv, file)
	return n, m.record(ctx, name, "mapping replaced", err, map[string]any{"csv": file, "entries": n})
}

func (m *Manager) setMappingCSV(ctx context.Context, name string, csv io.Reader, file string) (int, error) {
	c, err := m.st.Connector(ctx, name)
	if err != nil {
		return 0, err
	}
	t, err := m.p.SetMappingNamed(ctx, MappingName(c.Name), csv, file)
	if err != nil {
		return 0, err
	}
	s := setupOf(c)
	s.MappingEntries = t.Len()
	_, err = m.save(ctx, c, s)
	return t.Len(), err
}

// Consent records the admin's consent: who gave it, and when.
func (m *Manager) Consent(ctx context.Context, name, by string) error {
	return m.record(ctx, name, "consent given", m.consent(ctx, name, by), map[string]any{"by": by})
}

func (m *Manager) consent(ctx context.Context, name, by string) error {
	c, s, err := m.step(ctx, name, "consent")
	if err != nil {
		return err
	}
	if strings.TrimSpace(by) == "" {
		return &StepError{"consent", "say who gives the consent"}
	}
	now := m.now().UTC()
	s.ConsentBy, s.ConsentAt = strings.TrimSpace(by), &now
	_, err = m.save(ctx, c, s)
	return err
}

// Review records that the settings were reviewed and returns them.
func (m *Manager) Review(ctx context.Context, name string) (store.Connector, Setup, error) {
	c, st, err := m.review(ctx, name)
	return c, st, m.record(ctx, name, "reviewed", err, nil)
}

func (m *Manager) review(ctx context.Context, name string) (store.Connector, Setup, error) {
	c, s, err := m.step(ctx, name, "review")
	if err != nil {
		return c, s, err
	}
	now := m.now().UTC()
	s.ReviewedAt = &now
	c, err = m.save(ctx, c, s)
	return c, s, err
}

// ParseSchedule checks a schedule: a cron expression ("0 2 * * *"), a
// descriptor ("@daily", "@hourly") or an interval ("@every 6h").
func ParseSchedule(s string) (cron.Schedule, error) {
	sc, err := cron.ParseStandard(s)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %v (give a cron expression like \"0 2 * * *\", @daily, or @every 6h)", s, err)
	}
	return sc, nil
}

// Create finishes the steps: the connector becomes active on its schedule
// (default @daily) and its first run is due at once.
func (m *Manager) Create(ctx context.Context, name, schedule string) error {
	return m.record(ctx, name, "created", m.create(ctx, name, schedule), map[string]any{"schedule": schedule})
}

func (m *Manager) create(ctx context.Context, name, schedule string) error {
	c, s, err := m.step(ctx, name, "create")
	if err != nil {
		return err
	}
	if schedule == "" {
		schedule = "@daily"
	}
	if _, err := ParseSchedule(schedule); err != nil {
		return &StepError{"create", err.Error()}
	}
	now := m.now().UTC()
	s.CreatedAt = &now
	c.Schedule, c.State, c.NextRunAt = schedule, StateActive, now
	_, err = m.save(ctx, c, s)
	return err
}

// SetState pauses (StatePaused) or resumes (StateActive) a created connector.
func (m *Manager) SetState(ctx context.Context, name, state string) error {
	return m.record(ctx, name, "state set", m.setState(ctx, name, state), map[string]any{"state": state})
}

func (m *Manager) setState(ctx context.Context, name, state string) error {
	c, err := m.st.Connector(ctx, name)
	if err != nil {
		return err
	}
	if setupOf(c).Next() != "" {
		return &StepError{state, "finish creating the connector first (next step: " + setupOf(c).Next() + ")"}
	}
	c.State, c.Error = state, ""
	if state == StateActive && c.NextRunAt.IsZero() {
		c.NextRunAt = m.now()
	}
	_, err = m.st.PutConnector(ctx, c)
	return err
}

// Remove deletes a connector definition (what it archived stays).
func (m *Manager) Remove(ctx context.Context, name string) error {
	return m.record(ctx, name, "removed", m.remove(ctx, name), nil)
}

func (m *Manager) remove(ctx context.Context, name string) error {
	c, err := m.st.Connector(ctx, name)
	if err != nil {
		return err
	}
	return m.st.RemoveConnector(ctx, c.ID)
}

// Replay files the connector's quarantined items that now map (after the
// mapping CSV was corrected or mailboxes created).
func (m *Manager) Replay(ctx context.Context, name string) (*archive.ReplayReport, error) {
	c, err := m.st.Connector(ctx, name)
	if err != nil {
		return nil, err
	}
	return m.p.ReplayMapping(ctx, MappingName(c.Name))
}

// UpdateLogin replaces a created connector's credentials, checking them
// with a real login first, and clears an error state.
func (m *Manager) UpdateLogin(ctx context.Context, name, username, password string) error {
	return m.record(ctx, name, "login replaced", m.updateLogin(ctx, name, username, password), map[string]any{"username": username})
}

func (m *Manager) updateLogin(ctx context.Context, name, username, password string) error {
	c, err := m.st.Connector(ctx, name)
	if err != nil {
		return err
	}
	cl := siteclient.New(c.SiteURL, username, password, m.hc)
	if err := cl.Login(ctx); err != nil {
		if errors.Is(err, siteclient.ErrAuth) {
			return &StepError{"login", "the capture site refused the username or password"}
		}
		return &StepError{"login", err.Error()}
	}
	c.Username, c.PasswordEnc = username, m.seal.Seal(password, c.Name)
	if c.State == StateError {
		c.State, c.Error = StateActive, ""
	}
	_, err = m.st.PutConnector(ctx, c)
	return err
}

// SetupOf returns the creation steps a connector has walked.
func SetupOf(c store.Connector) Setup { return setupOf(c) }
