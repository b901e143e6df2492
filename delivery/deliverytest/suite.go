// Package deliverytest is the conformance suite every delivery.Sink runs.
package deliverytest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/custos-archive/custos/delivery"
)

// Read returns the messages in a mailbox's folder at the sink's target.
type Read func(mailbox, folder string) [][]byte

// Message returns a small test message with a unique Message-ID.
func Message(mailbox, folder, id string) delivery.Message {
	body := fmt.Sprintf("Message-ID: <%s>\r\nSubject: test %s\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\nhello %s\r\n", id, id, id)
	return delivery.Message{Mailbox: mailbox, Folder: folder, MessageID: id, Size: int64(len(body)),
		Date: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		WriteTo: func(w io.Writer) error {
			_, err := io.WriteString(w, body)
			return err
		}}
}

func bytesOf(m delivery.Message) []byte {
	var b bytes.Buffer
	m.WriteTo(&b)
	return b.Bytes()
}

// Run runs the suite on sink, for two mailboxes that exist at its target.
func Run(t *testing.T, sink delivery.Sink, read Read, mailboxA, mailboxB string) {
	ctx := context.Background()
	a := Message(mailboxA, "WhatsApp Archiver", "a1.whatsapp@custos.invalid")
	if sink.Target() == "" {
		t.Error("Target is empty")
	}
	if ok, _, err := sink.Has(ctx, a); err != nil || ok {
		t.Fatalf("Has before delivery: %v %v", ok, err)
	}
	if _, err := sink.Deliver(ctx, a); err != nil {
		t.Fatalf("Deliver (creating the folder): %v", err)
	}
	got := read(mailboxA, "WhatsApp Archiver")
	if len(got) != 1 || !bytes.Equal(got[0], bytesOf(a)) {
		t.Fatalf("after one delivery the folder holds %d messages (%q)", len(got), got)
	}
	if ok, _, err := sink.Has(ctx, a); err != nil || !ok {
		t.Fatalf("Has after delivery: %v %v", ok, err)
	}
	// Another message, another folder, another mailbox: each where it belongs.
	a2 := Message(mailboxA, "WhatsApp Archiver", "a2.whatsapp@custos.invalid")
	b := Message(mailboxB, "Enterprise Number Archiver", "b1.sms@custos.invalid")
	for _, m := range []delivery.Message{a2, b} {
		if _, err := sink.Deliver(ctx, m); err != nil {
			t.Fatalf("Deliver %s: %v", m.MessageID, err)
		}
	}
	if n := len(read(mailboxA, "WhatsApp Archiver")); n != 2 {
		t.Errorf("%s has %d messages, want 2", mailboxA, n)
	}
	if got := read(mailboxB, "Enterprise Number Archiver"); len(got) != 1 || !bytes.Equal(got[0], bytesOf(b)) {
		t.Errorf("%s holds %q", mailboxB, got)
	}
	if got := read(mailboxB, "WhatsApp Archiver"); len(got) != 0 {
		t.Errorf("%s got %s's message", mailboxB, mailboxA)
	}
	if ok, _, _ := sink.Has(ctx, Message(mailboxB, "WhatsApp Archiver", a.MessageID)); ok {
		t.Error("Has finds a message in another mailbox")
	}
	if err := sink.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
