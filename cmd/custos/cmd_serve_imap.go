package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/custos-archive/custos/delivery"
	"github.com/custos-archive/custos/imapserver"
	"github.com/custos-archive/custos/store"
	"github.com/spf13/pflag"
)

// imapServeOptions are serve's IMAP and delivery flags.
type imapServeOptions struct {
	imaps, starttls string // listen addresses; "" is off
	cert, key       string
	deliver         string // delivery target URL; "" is off
	deliverSources  []string
	deliverEvery    time.Duration
}

const imapHelp = `
IMAP (off unless asked): --imap serves IMAP over implicit TLS, --imap-starttls
plain IMAP with STARTTLS: on loopback (127.0.0.1:9993 and :9143) when given
alone, elsewhere with --imap=ADDR and --imap-starttls=ADDR. Users log in with their email address and the password set by
'custos users password', or an app password ('custos users app-password'), and
see their own mailbox's folders, read-only. Without --tls-cert and --tls-key a
self-signed certificate is made in the data folder (imap-cert.pem); give it to
clients to trust.

Delivery (off unless asked): --deliver-imap URL appends every archived copy to
the same person's mailbox on an existing IMAP server, into the folder of the
same name: imaps://host:993, imap+starttls://host:143, or imap://127.0.0.1:port
(no TLS, loopback only). It logs in with a master user from the environment:
CUSTOS_DELIVER_IMAP_USER and CUSTOS_DELIVER_IMAP_PASSWORD (SASL PLAIN, the
mailbox's address as the authorisation identity), and trusts
CUSTOS_DELIVER_IMAP_CA (a PEM file) when set. See docs/imap.md.`

func addIMAPFlags(fs *pflag.FlagSet, o *imapServeOptions) {
	fs.StringVar(&o.imaps, "imap", "", "serve IMAP over implicit TLS: --imap=ADDR, or --imap alone for 127.0.0.1:9993")
	fs.Lookup("imap").NoOptDefVal = "127.0.0.1:9993"
	fs.StringVar(&o.starttls, "imap-starttls", "", "serve IMAP with STARTTLS: --imap-starttls=ADDR, or alone for 127.0.0.1:9143")
	fs.Lookup("imap-starttls").NoOptDefVal = "127.0.0.1:9143"
	fs.StringVar(&o.cert, "tls-cert", "", "PEM certificate for IMAP (default: self-signed, made in the data folder)")
	fs.StringVar(&o.key, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&o.deliver, "deliver-imap", "", "deliver archived copies to this IMAP server (imaps://host:port, imap+starttls://host:port)")
	fs.StringSliceVar(&o.deliverSources, "deliver-sources", nil, "deliver copies of these sources only (whatsapp, wechat, enterprise-number); all by default")
	fs.DurationVar(&o.deliverEvery, "deliver-every", 30*time.Second, "how often new copies are looked for and failed deliveries retried")
}

// startIMAP starts what the IMAP and delivery flags ask for. stop ends it.
func startIMAP(ctx context.Context, g *globals, st *store.Store, o imapServeOptions) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	if o.imaps != "" || o.starttls != "" {
		tlsCfg, certFile, err := imapserver.TLSConfig(o.cert, o.key, g.data, nil)
		if err != nil {
			return stop, fmt.Errorf("--tls-cert: %w", err)
		}
		srv := imapserver.New(st, imapserver.Config{TLS: tlsCfg, Logger: g.log})
		stops = append(stops, func() { srv.Close() })
		for _, l := range []struct {
			addr, flag, scheme string
			serve              func(net.Listener) error
		}{{o.imaps, "--imap", "imaps", srv.ServeTLS}, {o.starttls, "--imap-starttls", "imap+starttls", srv.Serve}} {
			if l.addr == "" {
				continue
			}
			ln, err := net.Listen("tcp", l.addr)
			if err != nil {
				return stop, fmt.Errorf("%s %s: %w", l.flag, l.addr, err)
			}
			go l.serve(ln)
			fmt.Fprintf(g.stderr, "custos: serving %s://%s (certificate %s)\n", l.scheme, ln.Addr(), certFile)
		}
	}
	if o.deliver != "" {
		sink, err := newDeliverySink(o.deliver)
		if err != nil {
			return stop, fmt.Errorf("--deliver-imap: %w", err)
		}
		r := delivery.New(st, sink, delivery.Options{Sources: o.deliverSources, Logger: g.log})
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.Loop(lctx, o.deliverEvery)
		}()
		stops = append(stops, func() { cancel(); <-done; sink.Close() })
		fmt.Fprintf(g.stderr, "custos: delivering archived copies to %s\n", sink.Target())
	}
	return stop, nil
}

// newDeliverySink makes the IMAP sink for url, with the master user from
// the environment.
func newDeliverySink(url string) (*delivery.IMAPSink, error) {
	if strings.TrimSpace(url) == "" {
		return nil, errors.New("no delivery target: give --imap URL (imaps://host:port or imap+starttls://host:port)")
	}
	return delivery.NewIMAP(delivery.IMAPConfig{
		URL:      url,
		User:     os.Getenv("CUSTOS_DELIVER_IMAP_USER"),
		Password: os.Getenv("CUSTOS_DELIVER_IMAP_PASSWORD"),
		CAFile:   os.Getenv("CUSTOS_DELIVER_IMAP_CA"),
	})
}
