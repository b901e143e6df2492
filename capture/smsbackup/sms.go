package smsbackup

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// secondsBelow is the bound under which a date is read as seconds rather
// than milliseconds: 10^11 ms is 3 March 1973, 10^11 s the year 5138.
const secondsBelow = 100_000_000_000

// maxMillis is the last millisecond of the year 9999, the last time an item
// can carry (RFC 3339 has four-digit years).
const maxMillis = 253402300799999

// parseDate reads an epoch date in milliseconds, or in seconds when it is
// below secondsBelow.
func parseDate(as attrs, name string) (time.Time, error) {
	v, ok := as.get(name)
	if !ok {
		return time.Time{}, fmt.Errorf("%s: missing (want epoch milliseconds)", name)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s=%q: not a number (want epoch milliseconds)", name, clip(v))
	}
	if n <= 0 {
		return time.Time{}, fmt.Errorf("%s=%q: not a time (want epoch milliseconds after 1970)", name, v)
	}
	if n < secondsBelow {
		n *= 1000
	}
	if n > maxMillis {
		return time.Time{}, fmt.Errorf("%s=%q: after the year 9999", name, v)
	}
	return time.UnixMilli(n).UTC(), nil
}

// parseInt reads a required small integer attribute.
func parseInt(as attrs, name string) (int, error) {
	v, ok := as.get(name)
	if !ok {
		return 0, fmt.Errorf("%s: missing", name)
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a number", name, clip(v))
	}
	return n, nil
}

// clip shortens a bad value for a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// smsStatus names the sms types; type 1 is the only inbound one.
var smsStatus = map[int]string{1: "received", 2: "sent", 3: "draft", 4: "outbox", 5: "failed", 6: "queued"}

// smsDelivery names the sms status attribute's values.
var smsDelivery = map[string]string{"0": "complete", "32": "pending", "64": "failed"}

// sms converts an <sms> element.
func (p *parser) sms(as attrs) (*item.Item, error) {
	when, err := parseDate(as, "date")
	if err != nil {
		return nil, err
	}
	typ, err := parseInt(as, "type")
	if err != nil {
		return nil, err
	}
	status, ok := smsStatus[typ]
	if !ok {
		return nil, fmt.Errorf("type=%q: not an sms type (1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued)", as.str("type"))
	}
	address := as.str("address")
	body := as.str("body")
	it := &item.Item{
		Source: item.EnterpriseNumber,
		Kind:   item.SMS,
		Time:   when,
		Text:   body,
		Owner:  p.o.Owner.Phone,
		Meta:   map[string]string{"status": status},
	}
	if address != "" {
		it.Meta["address"] = address
	}
	var others []item.Participant
	for _, a := range splitAddress(address) {
		if pt, ok := p.party(a, ""); ok {
			others = append(others, pt)
		}
	}
	if len(others) == 1 {
		others[0].Name = contactName(as.str("contact_name"))
	}
	if typ == 1 {
		if len(others) == 0 {
			return nil, errors.New("address: missing on a received sms (type 1): no sender")
		}
		it.From = others[0]
		it.To = append([]item.Participant{p.o.Owner}, others[1:]...)
	} else {
		it.From = p.o.Owner
		it.To = others
	}
	it.Conversation = p.conversation(others, contactName(as.str("contact_name")))
	if s := as.str("subject"); s != "" {
		it.Meta["subject"] = s
	}
	if s := as.str("service_center"); s != "" {
		it.Meta["service-center"] = s
	}
	if d, ok := smsDelivery[as.str("status")]; ok {
		it.Meta["delivery"] = d
	}
	if _, ok := as.get("date_sent"); ok {
		if sent, err := parseDate(as, "date_sent"); err == nil {
			it.Meta["date-sent"] = sent.Format(time.RFC3339Nano)
		}
	}
	k := newKey("sms", p.o.Owner.Phone)
	k.add(address, strconv.FormatInt(when.UnixMilli(), 10), strconv.Itoa(typ), body)
	it.SourceID = k.id("sms")
	return it, nil
}

// splitAddress splits an address attribute that names several numbers
// (group messages join them with "~").
func splitAddress(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "~")
}
