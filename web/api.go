// Package web is the archive's HTTP surface: the REST API (JSON) and, in
// later releases, the web UI. Every route checks the caller's role.
package web

import (
	"io"

	"context"
	"crypto/subtle"
	"encoding/csv"
	"encoding/json"
	"errors"
	"github.com/custos-archive/custos/item"
	"net/http"
	"strings"
	"time"

	"github.com/custos-archive/custos/connector"
	"github.com/custos-archive/custos/store"
)

// Role is what a caller may do.
type Role string

// The roles of PRODUCT.md §3. Only the Data Connector Admin has routes so far.
const (
	RoleConnectorAdmin Role = "data-connector-admin"
)

// Tokens maps API bearer tokens to roles.
type Tokens map[string]Role

// API serves the REST API.
type API struct {
	st     *store.Store
	m      *connector.Manager
	tokens Tokens
}

// NewAPI returns the API over a store and connector manager.
func NewAPI(st *store.Store, m *connector.Manager, tokens Tokens) *API {
	return &API{st: st, m: m, tokens: tokens}
}

// Routes adds the API's routes to mux.
func (a *API) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/connectors", a.role(RoleConnectorAdmin, a.listConnectors))
	mux.HandleFunc("GET /api/v1/connectors/{name}", a.role(RoleConnectorAdmin, a.showConnector))
	mux.HandleFunc("POST /api/v1/connectors/{name}/run", a.role(RoleConnectorAdmin, a.runConnector))
	mux.HandleFunc("GET /api/v1/connectors/{name}/unmapped.csv", a.role(RoleConnectorAdmin, a.unmappedCSV))
	mux.HandleFunc("POST /api/v1/connectors", a.role(RoleConnectorAdmin, a.draftConnector))
	mux.HandleFunc("POST /api/v1/connectors/{name}/steps/{step}", a.role(RoleConnectorAdmin, a.stepConnector))
	mux.HandleFunc("POST /api/v1/connectors/{name}/pause", a.role(RoleConnectorAdmin, a.setState(connector.StatePaused)))
	mux.HandleFunc("POST /api/v1/connectors/{name}/resume", a.role(RoleConnectorAdmin, a.setState(connector.StateActive)))
	mux.HandleFunc("DELETE /api/v1/connectors/{name}", a.role(RoleConnectorAdmin, a.removeConnector))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// role lets the request through when its bearer token has the role.
func (a *API) role(want Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			fail(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		for t, role := range a.tokens {
			if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
				if role != want {
					fail(w, http.StatusForbidden, "this token's role may not do this (needs "+string(want)+")")
					return
				}
				h(w, r)
				return
			}
		}
		fail(w, http.StatusUnauthorized, "unknown token")
	}
}

type connectorView struct {
	Name     string          `json:"name"`
	Type     string          `json:"type"`
	Site     string          `json:"site"`
	State    string          `json:"state"`
	Error    string          `json:"error,omitempty"`
	Schedule string          `json:"schedule"`
	NextRun  time.Time       `json:"next_run,omitzero"`
	Setup    connector.Setup `json:"setup"`
	LastRun  *runView        `json:"last_run,omitempty"`
}

type runView struct {
	store.Run
	Percent int `json:"percent"` // -1 when the total is unknown
}

func viewRun(r store.Run) *runView {
	v := &runView{Run: r, Percent: -1}
	if r.Total > 0 {
		v.Percent = int(min(100, r.Fetched*100/r.Total))
	} else if r.Total == 0 {
		v.Percent = 100
	}
	return v
}

func (a *API) view(ctx context.Context, c store.Connector) connectorView {
	v := connectorView{Name: c.Name, Site: c.SiteURL, State: c.State, Error: c.Error, Schedule: c.Schedule, NextRun: c.NextRunAt,
		Setup: connector.SetupOf(c)}
	v.Type = connector.Types[item.Source(c.Source)]
	if runs, err := a.st.Runs(ctx, c.ID, 1); err == nil && len(runs) > 0 {
		v.LastRun = viewRun(runs[0])
	}
	return v
}

func (a *API) listConnectors(w http.ResponseWriter, r *http.Request) {
	cs, err := a.st.Connectors(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := []connectorView{}
	for _, c := range cs {
		out = append(out, a.view(r.Context(), c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) connector(w http.ResponseWriter, r *http.Request) (store.Connector, bool) {
	c, err := a.st.Connector(r.Context(), r.PathValue("name"))
	if errors.Is(err, store.ErrNotFound) {
		fail(w, http.StatusNotFound, err.Error())
		return c, false
	}
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return c, false
	}
	return c, true
}

func (a *API) showConnector(w http.ResponseWriter, r *http.Request) {
	c, ok := a.connector(w, r)
	if !ok {
		return
	}
	runs, err := a.st.Runs(r.Context(), c.ID, 50)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	views := []*runView{}
	for _, x := range runs {
		views = append(views, viewRun(x))
	}
	days, _ := a.st.Completeness(r.Context(), c.ID)
	var alerts []store.DayRecord
	for _, d := range days {
		if d.Captured >= 0 && !d.Closes() {
			alerts = append(alerts, d)
		}
	}
	unmapped := 0
	a.st.QuarantinedByMapping(r.Context(), connector.MappingName(c.Name), func(store.Quarantined) error { unmapped++; return nil })
	writeJSON(w, http.StatusOK, map[string]any{"connector": a.view(r.Context(), c), "runs": views, "unmapped": unmapped,
		"completeness": days, "alerts": alerts})
}

// runConnector starts a run in the background and answers at once; the run's
// progress shows in GET /api/v1/connectors/{name}.
func (a *API) runConnector(w http.ResponseWriter, r *http.Request) {
	c, ok := a.connector(w, r)
	if !ok {
		return
	}
	go a.m.Run(context.WithoutCancel(r.Context()), c.Name, "manual")
	writeJSON(w, http.StatusAccepted, map[string]string{"connector": c.Name, "run": "started"})
}

func (a *API) unmappedCSV(w http.ResponseWriter, r *http.Request) {
	c, ok := a.connector(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.Name+`-unmapped.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"source", "source_id", "time", "numbers", "reason"})
	a.st.QuarantinedByMapping(r.Context(), connector.MappingName(c.Name), func(q store.Quarantined) error {
		return cw.Write([]string{string(q.Item.Source), q.Item.SourceID, q.Item.Time.Format(time.RFC3339), strings.Join(q.Numbers, ";"), q.Reason})
	})
	cw.Flush()
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		fail(w, http.StatusBadRequest, "the body must be JSON: "+err.Error())
		return false
	}
	return true
}

// stepError answers a step's error: 409 for a step out of order, 400 for
// bad input.
func stepError(w http.ResponseWriter, err error) {
	var se *connector.StepError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Msg, "first"):
		fail(w, http.StatusConflict, err.Error())
	case errors.Is(err, store.ErrNotFound):
		fail(w, http.StatusNotFound, err.Error())
	case errors.Is(err, store.ErrExists):
		fail(w, http.StatusConflict, err.Error())
	default:
		fail(w, http.StatusBadRequest, err.Error())
	}
}

// draftConnector starts a connector: {"name", "type" (whatsapp, wechat,
// enterprise-number), "site"}. The steps follow under /steps/.
func (a *API) draftConnector(w http.ResponseWriter, r *http.Request) {
	var in struct{ Name, Type, Site string }
	if !decode(w, r, &in) {
		return
	}
	if _, err := a.m.Draft(r.Context(), in.Name, item.Source(in.Type), in.Site); err != nil {
		stepError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"connector": in.Name, "next_step": "terms"})
}

// stepConnector walks one creation step: terms {}, login {"username",
// "password"}, mapping {"auto": true, "csv": "phone,email\n…"}, consent
// {"by"}, review {}, create {"schedule"}.
func (a *API) stepConnector(w http.ResponseWriter, r *http.Request) {
	ctx, name := r.Context(), r.PathValue("name")
	var in struct {
		Username, Password, CSV, By, Schedule string
		Auto                                  *bool
	}
	if !decode(w, r, &in) {
		return
	}
	var err error
	switch step := r.PathValue("step"); step {
	case "terms":
		err = a.m.AcceptTerms(ctx, name)
	case "login":
		err = a.m.Login(ctx, name, in.Username, in.Password)
	case "mapping":
		auto := in.Auto == nil || *in.Auto
		var csv io.Reader
		if in.CSV != "" {
			csv = strings.NewReader(in.CSV)
		}
		err = a.m.Mapping(ctx, name, auto, csv, "mapping.csv")
	case "consent":
		err = a.m.Consent(ctx, name, in.By)
	case "review":
		_, _, err = a.m.Review(ctx, name)
	case "create":
		err = a.m.Create(ctx, name, in.Schedule)
	default:
		fail(w, http.StatusNotFound, "unknown step "+step+" (the steps: "+strings.Join(connector.Steps, ", ")+")")
		return
	}
	if err != nil {
		stepError(w, err)
		return
	}
	c, err := a.st.Connector(ctx, name)
	if err != nil {
		stepError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"connector": name, "state": c.State, "next_step": connector.SetupOf(c).Next()})
}

func (a *API) setState(state string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.m.SetState(r.Context(), r.PathValue("name"), state); err != nil {
			stepError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"connector": r.PathValue("name"), "state": state})
	}
}

func (a *API) removeConnector(w http.ResponseWriter, r *http.Request) {
	if err := a.m.Remove(r.Context(), r.PathValue("name")); err != nil {
		stepError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
