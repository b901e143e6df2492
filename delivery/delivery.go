// Package delivery copies archived items into the mailboxes of an existing
// mail server (for organisations that keep mail there too): after an item is
// filed, each copy is appended to the same person's mailbox on the server,
// into the folder of the same name.
//
// The runner finds the copies to deliver by scanning for copies without a
// delivery record, so the archive pipeline is untouched and a delivery
// target added later also receives what was archived before. Each copy has
// a delivery state in the store (table deliveries):
//
//	(none) → sending → delivered
//	            ↓  ↑
//	          retry → failed (after MaxAttempts; 'custos deliver retry')
//
// Invariants:
//   - A copy is claimed (state sending, attempt counted) in a committed
//     transaction before anything is sent, so after a crash or a broken
//     connection the store knows the outcome is uncertain.
//   - An uncertain copy is looked up at the target by its Message-ID before
//     it is sent again: re-delivery never duplicates.
//   - A claim is a lease: two runners never send one copy at once, and a
//     copy left sending by a dead runner is taken up again when it ends.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/custos-archive/custos/store"
	"github.com/custos-archive/custos/store/blob"
)

// Message is an archived copy to deliver.
type Message struct {
	Mailbox   string    // the person's address, the mailbox at the target
	Folder    string    // e.g. "WhatsApp Archiver"
	MessageID string    // without angle brackets
	Date      time.Time // the item's time, the internal date at the target
	Size      int64
	// WriteTo writes the message's exact bytes (Size of them).
	WriteTo func(w io.Writer) error
}

// Sink is where copies are delivered. The IMAP sink is the one
// implementation outside tests; every implementation passes the conformance
// suite in package deliverytest.
type Sink interface {
	// Target names the sink in delivery records, without credentials.
	Target() string
	// Has reports whether the mailbox's folder holds a message with this
	// Message-ID, and its UID there (0 when unknown).
	Has(ctx context.Context, m Message) (bool, uint32, error)
	// Deliver adds the message to the mailbox's folder, creating the
	// folder if needed, and returns its UID there (0 when unknown).
	Deliver(ctx context.Context, m Message) (uint32, error)
	// Close ends the sink's connections.
	Close() error
}

// ErrUnavailable is wrapped by sink errors that concern the target as a
// whole (it cannot be reached): the runner stops the run instead of
// failing every copy in turn.
var ErrUnavailable = errors.New("delivery target unavailable")

// Store is what the runner needs of the archive's store.
type Store interface {
	DueDeliveries(ctx context.Context, f store.DeliveryFilter, now time.Time) ([]store.DeliveryCopy, error)
	ClaimDelivery(ctx context.Context, copyID int64, target string, now time.Time, lease time.Duration) (store.Claim, error)
	DeliveryDone(ctx context.Context, copyID int64, remoteUID uint32, how string) error
	DeliveryFailed(ctx context.Context, copyID int64, errText string, next time.Time, giveUp bool) error
	Blobs() blob.Store
}

// Options tune a Runner.
type Options struct {
	// Sources limits delivery to copies of these sources (a connector's);
	// all when empty.
	Sources []string
	// MaxAttempts is the number of tries before a copy is given up
	// (default 12: with the default backoff, about 17 hours).
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt (default 30 s
	// doubling per attempt, at most 4 hours).
	Backoff func(n int) time.Duration
	// Lease is how long a claim holds (default 10 minutes).
	Lease time.Duration
	// Batch is the number of copies read at a time (default 100).
	Batch int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the runner's logs; nil discards them.
	Logger *slog.Logger
}

// Runner delivers due copies from a store to a sink.
type Runner struct {
	st   Store
	sink Sink
	o    Options
}

// New returns a runner.
func New(st Store, sink Sink, o Options) *Runner {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if o.Backoff == nil {
		o.Backoff = func(n int) time.Duration {
			d := 30 * time.Second << min(n-1, 20)
			return min(d, 4*time.Hour)
		}
	}
	if o.Lease <= 0 {
		o.Lease = 10 * time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{st: st, sink: sink, o: o}
}

// Report counts what a run did.
type Report struct {
	Delivered int      `json:"delivered"`     // appended
	Found     int      `json:"already_there"` // uncertain, and found at the target
	Retrying  int      `json:"retrying"`      // failed, tried again later
	GaveUp    int      `json:"gave_up"`       // failed the last attempt
	Stopped   string   `json:"stopped,omitempty"`
	Errors    []string `json:"errors,omitempty"` // the first few
}

func (r *Report) add(o Report) {
	r.Delivered += o.Delivered
	r.Found += o.Found
	r.Retrying += o.Retrying
	r.GaveUp += o.GaveUp
	if o.Stopped != "" {
		r.Stopped = o.Stopped
	}
	for _, e := range o.Errors {
		if len(r.Errors) < 10 {
			r.Errors = append(r.Errors, e)
		}
	}
}

// Run delivers every copy due now, and returns when none is left, or when
// the target is unavailable (Report.Stopped says why; the error is for the
// store failing or ctx ending).
func (r *Runner) Run(ctx context.Context) (Report, error) {
	var rep Report
	skip := map[int64]bool{} // failed in this run: due again only after their backoff
	for {
		due, err := r.st.DueDeliveries(ctx, store.DeliveryFilter{Sources: r.o.Sources, Limit: r.o.Batch + len(skip)}, r.o.Now())
		if err != nil {
			return rep, err
		}
		progress := false
		for _, d := range due {
			if skip[d.CopyID] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			one, err := r.deliver(ctx, d)
			rep.add(one)
			if err != nil {
				return rep, err
			}
			if one.Stopped != "" {
				return rep, nil
			}
			if one.Retrying > 0 || one.GaveUp > 0 {
				skip[d.CopyID] = true
			}
			progress = true
		}
		if !progress {
			return rep, nil
		}
	}
}

// deliver delivers one copy. The returned error is the store's.
func (r *Runner) deliver(ctx context.Context, d store.DeliveryCopy) (Report, error) {
	var rep Report
	now := r.o.Now()
	claim, err := r.st.ClaimDelivery(ctx, d.CopyID, r.sink.Target(), now, r.o.Lease)
	if err != nil || !claim.OK {
		return rep, err
	}
	bs := r.st.Blobs()
	m := Message{Mailbox: d.Mailbox, Folder: d.Folder, MessageID: d.MessageID, Date: d.Item.Time, Size: d.Size,
		WriteTo: func(w io.Writer) error {
			n, err := d.Message.Render(w, func(h string) (io.ReadCloser, error) {
				rc, _, err := bs.Open(ctx, h)
				return rc, err
			})
			if err == nil && n != d.Size {
				err = fmt.Errorf("rendered %d bytes, the archive says %d", n, d.Size)
			}
			return err
		}}
	log := r.o.Logger.With("copy", d.CopyID, "mailbox", d.Mailbox, "folder", d.Folder, "attempt", claim.Attempt)
	if claim.Uncertain {
		found, uid, err := r.sink.Has(ctx, m)
		if err == nil && found {
			log.Info("delivery: already at the target")
			rep.Found++
			return rep, r.st.DeliveryDone(ctx, d.CopyID, uid, "found")
		}
		if err != nil {
			return r.failed(ctx, d, claim, fmt.Errorf("looking for the message at the target: %w", err), log)
		}
	}
	uid, err := r.sink.Deliver(ctx, m)
	if err != nil {
		return r.failed(ctx, d, claim, err, log)
	}
	rep.Delivered++
	return rep, r.st.DeliveryDone(ctx, d.CopyID, uid, "appended")
}

func (r *Runner) failed(ctx context.Context, d store.DeliveryCopy, claim store.Claim, err error, log *slog.Logger) (Report, error) {
	var rep Report
	if ctx.Err() != nil {
		// Stopped from outside: the claim's lease brings the copy back.
		return rep, ctx.Err()
	}
	giveUp := claim.Attempt >= r.o.MaxAttempts
	next := r.o.Now().Add(r.o.Backoff(claim.Attempt))
	text := err.Error()
	if giveUp {
		rep.GaveUp++
		log.Error("delivery: gave up", "error", text)
	} else {
		rep.Retrying++
		log.Warn("delivery: failed, will retry", "error", text, "next", next)
	}
	rep.Errors = append(rep.Errors, fmt.Sprintf("%s %s <%s>: %s", d.Mailbox, d.Folder, d.MessageID, text))
	if errors.Is(err, ErrUnavailable) {
		rep.Stopped = text
	}
	return rep, r.st.DeliveryFailed(ctx, d.CopyID, text, next, giveUp)
}

// Loop runs Run every interval until ctx ends, logging what each run did.
func (r *Runner) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := r.Run(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			r.o.Logger.Error("delivery run failed", "error", err)
		case rep.Delivered+rep.Found+rep.Retrying+rep.GaveUp > 0:
			r.o.Logger.Info("delivery run", "delivered", rep.Delivered, "already_there", rep.Found,
				"retrying", rep.Retrying, "gave_up", rep.GaveUp, "stopped", rep.Stopped)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
