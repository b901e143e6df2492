package main

import (
	"os"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/custos-archive/custos/capture"
	"github.com/custos-archive/custos/connector"
	"github.com/custos-archive/custos/web"
	"net"
	"net/http"
	"time"

	"github.com/custos-archive/custos/store"
	"github.com/spf13/cobra"
)

type serveOptions struct {
	http string
	role string
	tick time.Duration
	imap imapServeOptions
}

func newServeCmd(g *globals) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Custos server on the data folder",
		Long: `Run the Custos server on the data folder. It listens on loopback unless --http
names another address.

--role all (the default) runs both sides in one process; --role capture runs the
capture site alone (webhooks, ingest API, export API; data in DATA/capture),
--role archive the archive alone, which runs the connectors on their schedules.
GET /healthz answers on every role.

The channels' secrets come from the environment, never the command line:
  CUSTOS_WHATSAPP_APP_SECRET, CUSTOS_WHATSAPP_VERIFY_TOKEN, CUSTOS_WHATSAPP_TOKEN,
  CUSTOS_GRAPH_BASE (default https://graph.facebook.com/v20.0),
  CUSTOS_TWILIO_AUTH_TOKEN, CUSTOS_TWILIO_ACCOUNT_SID,
  CUSTOS_PUBLIC_URL (the scheme://host the platforms call, for signatures).
A channel whose secret is not set answers 404.

The archive's REST API (/api/v1/connectors…, docs/api.md) takes bearer tokens:
CUSTOS_ADMIN_TOKEN is a Data Connector Admin's.
` + imapHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), g, o, nil)
		},
	}
	cmd.Flags().StringVar(&o.http, "http", "127.0.0.1:8080", "address of the HTTP listener")
	cmd.Flags().StringVar(&o.role, "role", "all", "all, capture or archive")
	cmd.Flags().DurationVar(&o.tick, "scheduler-tick", 30*time.Second, "how often the archive checks for connectors due to run")
	addIMAPFlags(cmd.Flags(), &o.imap)
	return cmd
}

// runServe serves until ctx ends. ready, when set, receives the bound address.
func runServe(ctx context.Context, g *globals, o serveOptions, ready chan<- string) error {
	if o.role == "" {
		o.role = "all"
	}
	if o.role != "all" && o.role != "capture" && o.role != "archive" {
		return fmt.Errorf("--role %q: want all, capture or archive", o.role)
	}
	mux := http.NewServeMux()
	var st *store.Store
	if o.role != "capture" {
		var err error
		var m *connector.Manager
		st, m, err = g.openConnectors(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if o.tick <= 0 {
			o.tick = 30 * time.Second
		}
		go m.Scheduler(ctx, o.tick)
		stopSweeper, err := g.startSweeper(ctx, st)
		if err != nil {
			return err
		}
		defer stopSweeper()
		tokens := web.Tokens{}
		if t := os.Getenv("CUSTOS_ADMIN_TOKEN"); t != "" {
			tokens[t] = web.RoleConnectorAdmin
		}
		web.NewAPI(st, m, tokens).Routes(mux)
		stopIMAP, err := startIMAP(ctx, g, st, o.imap)
		if err != nil {
			return err
		}
		defer stopIMAP()
	}
	if o.role != "archive" {
		sp, err := g.openSpool(ctx)
		if err != nil {
			return err
		}
		defer sp.Close()
		site := capture.New(sp, captureConfig(), g.log)
		site.Routes(mux)
		go site.MediaWorker(ctx, time.Minute)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if st == nil {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"status": "ok", "role": o.role})
			return
		}
		health(w, r, st)
	})
	ln, err := net.Listen("tcp", o.http)
	if err != nil {
		return fmt.Errorf("--http %s: %w", o.http, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(g.stderr, "custos: serving http://%s (role %s, data %s)\n", ln.Addr(), o.role, g.data)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

func captureConfig() capture.Config {
	base := os.Getenv("CUSTOS_GRAPH_BASE")
	if base == "" {
		base = "https://graph.facebook.com/v20.0"
	}
	return capture.Config{
		WhatsAppAppSecret:   os.Getenv("CUSTOS_WHATSAPP_APP_SECRET"),
		WhatsAppVerifyToken: os.Getenv("CUSTOS_WHATSAPP_VERIFY_TOKEN"),
		WhatsAppToken:       os.Getenv("CUSTOS_WHATSAPP_TOKEN"),
		GraphBase:           base,
		TwilioAuthToken:     os.Getenv("CUSTOS_TWILIO_AUTH_TOKEN"),
		TwilioAccountSID:    os.Getenv("CUSTOS_TWILIO_ACCOUNT_SID"),
		PublicURL:           os.Getenv("CUSTOS_PUBLIC_URL"),
	}
}

func health(w http.ResponseWriter, r *http.Request, st *store.Store) {
	w.Header().Set("Content-Type", "application/json")
	v, err := st.SchemaVersion(r.Context())
	var c store.Counts
	if err == nil {
		c, err = st.Counts(r.Context())
	}
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"status": "error", "error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"status": "ok", "schema_version": v, "items": c.Items,
		"copies": c.Copies, "quarantined": c.Quarantined})
}
