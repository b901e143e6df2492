package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/custos-archive/custos/store"
	"github.com/spf13/cobra"
)

type serveOptions struct {
	http string
}

func newServeCmd(g *globals) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Custos server on the data folder",
		Long: `Run the Custos server on the data folder. It answers GET /healthz with the
store's state; the capture site, connectors, web UI and IMAP come with later
releases. It listens on loopback unless --http names another address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), g, o, nil)
		},
	}
	cmd.Flags().StringVar(&o.http, "http", "127.0.0.1:8080", "address of the HTTP listener")
	return cmd
}

// runServe serves until ctx ends. ready, when set, receives the bound address.
func runServe(ctx context.Context, g *globals, o serveOptions, ready chan<- string) error {
	st, _, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		health(w, r, st)
	})
	ln, err := net.Listen("tcp", o.http)
	if err != nil {
		return fmt.Errorf("--http %s: %w", o.http, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	g.log.Warn("custos serving", "http", ln.Addr().String(), "data", g.data)
	fmt.Fprintf(g.stderr, "custos: serving http://%s (data %s)\n", ln.Addr(), g.data)
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
