package smsbackup

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/custos-archive/custos/item"
)

// callType is what a <call> type means, from the owner's side.
type callType struct {
	name      string // Meta["call-type"]
	direction string // item.CallInfo.Direction
	status    string // item.CallInfo.Status
}

// callTypes are Android's CallLog.Calls types.
var callTypes = map[int]callType{
	1: {"incoming", "inbound", "completed"},
	2: {"outgoing", "outbound", "completed"},
	3: {"missed", "inbound", "missed"},
	4: {"voicemail", "inbound", "voicemail"},
	5: {"rejected", "inbound", "rejected"},
	6: {"refused", "inbound", "blocked"},
	7: {"answered-externally", "inbound", "answered-elsewhere"},
}

// withheld names the caller of a call whose number is not shown, by the
// presentation attribute (2 restricted, 3 unknown, 4 payphone).
var withheld = map[string]item.Participant{
	"2": {ID: "private", Name: "Private number"},
	"3": {ID: "unknown", Name: "Unknown number"},
	"4": {ID: "payphone", Name: "Payphone"},
}

// call converts a <call> element.
func (p *parser) call(as attrs) (*item.Item, error) {
	when, err := parseDate(as, "date")
	if err != nil {
		return nil, err
	}
	typ, err := parseInt(as, "type")
	if err != nil {
		return nil, err
	}
	ct, ok := callTypes[typ]
	if !ok {
		return nil, fmt.Errorf("type=%q: not a call type (1 incoming, 2 outgoing, 3 missed, 4 voicemail, 5 rejected, 6 refused, 7 answered externally)", as.str("type"))
	}
	var duration int64
	if v, ok := as.get("duration"); ok {
		duration, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || duration < 0 {
			return nil, fmt.Errorf("duration=%q: not a number of seconds", clip(v))
		}
	}
	status := ct.status
	if typ == 2 && duration == 0 {
		status = "no-answer"
	}
	number := as.str("number")
	presentation := as.str("presentation")
	other, ok := p.party(number, as.str("contact_name"))
	if n, err := strconv.Atoi(strings.TrimSpace(number)); err == nil && n < 0 {
		ok = false // -1, -2, -3: the dialer's markers for a withheld number
	}
	if !ok {
		other = withheld[presentation]
		if other.IsZero() {
			other = withheld["3"]
		}
	}
	it := &item.Item{
		Source: item.EnterpriseNumber,
		Kind:   item.CallLog,
		Time:   when,
		Owner:  p.o.Owner.Phone,
		Call:   &item.CallInfo{Direction: ct.direction, Status: status, Duration: duration},
		Meta:   map[string]string{"call-type": ct.name},
	}
	if number != "" {
		it.Meta["address"] = number
	}
	if presentation != "" && presentation != "1" {
		if w, ok := withheld[presentation]; ok {
			it.Meta["presentation"] = w.ID
		}
	}
	if ct.direction == "inbound" {
		it.From, it.To = other, []item.Participant{p.o.Owner}
	} else {
		it.From, it.To = p.o.Owner, []item.Participant{other}
	}
	it.Conversation = p.conversation([]item.Participant{other}, other.Name)
	k := newKey("call", p.o.Owner.Phone)
	k.add(number, strconv.FormatInt(when.UnixMilli(), 10), strconv.Itoa(typ), strconv.FormatInt(duration, 10))
	it.SourceID = k.id("call")
	return it, nil
}
