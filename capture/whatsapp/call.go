package whatsapp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// callEvent is an entry of value.calls (Business Calling API).
type callEvent struct {
	ID                    string          `json:"id"`
	From                  string          `json:"from"`
	FromUserID            string          `json:"from_user_id"`
	FromParentUserID      string          `json:"from_parent_user_id"`
	To                    string          `json:"to"`
	ToUserID              string          `json:"to_user_id"`
	ToParentUserID        string          `json:"to_parent_user_id"`
	Event                 string          `json:"event"`
	Direction             string          `json:"direction"`
	Status                json.RawMessage `json:"status"`
	Timestamp             json.RawMessage `json:"timestamp"`
	StartTime             json.RawMessage `json:"start_time"`
	EndTime               json.RawMessage `json:"end_time"`
	Duration              json.RawMessage `json:"duration"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data"`
	Errors                []apiError      `json:"errors"`
}

// call reads one call event. Each event is its own item of kind call, with
// SourceID "<call id>:<event>" (a call's connect and terminate share the
// call id, and both are kept): connect has status "connecting" and no
// duration; terminate has the call's final status in lower case
// (completed, failed, …) and its duration, from duration or end_time −
// start_time, and its time is start_time when given. Direction is inbound
// for USER_INITIATED calls (the user called the business), outbound for
// BUSINESS_INITIATED ones.
func (c *change) call(raw json.RawMessage, path string) (Record, error) {
	var ev callEvent
	if err := decodeAt(raw, path, &ev); err != nil {
		return Record{}, err
	}
	id := strings.TrimSpace(ev.ID)
	if id == "" {
		return Record{}, &ParseError{path + ".id", "missing: every call has its id (wacid…)"}
	}
	event := strings.ToLower(strings.TrimSpace(ev.Event))
	if event == "" {
		return Record{}, &ParseError{path + ".event", "missing (connect, terminate, …)"}
	}
	sourceID := id + ":" + event
	if len(sourceID) > maxSourceID {
		return Record{}, &ParseError{path + ".id", fmt.Sprintf("longer than %d bytes with the event", maxSourceID)}
	}
	t, err := epoch(ev.Timestamp, path+".timestamp")
	if err != nil {
		return Record{}, err
	}
	it := c.newItem()
	it.Kind = item.Call
	it.SourceID = sourceID
	it.Time = t
	it.Meta["call-id"] = id
	it.Meta["call-event"] = event
	if ev.Direction != "" {
		it.Meta["call-direction"] = ev.Direction
	}
	if ev.BizOpaqueCallbackData != "" {
		it.Meta["biz-opaque-callback-data"] = ev.BizOpaqueCallbackData
	}
	var dir string
	switch strings.ToUpper(strings.TrimSpace(ev.Direction)) {
	case "USER_INITIATED":
		dir = "inbound"
	case "BUSINESS_INITIATED":
		dir = "outbound"
	case "":
		// Not given: the call is outbound when it comes from the business
		// number.
		dir = "inbound"
		if p, ok := businessPhone(ev.From); ok && p == c.owner {
			dir = "outbound"
		}
	default:
		return Record{}, &ParseError{path + ".direction", fmt.Sprintf("%q is neither USER_INITIATED nor BUSINESS_INITIATED", clip(ev.Direction))}
	}
	var u user
	if dir == "inbound" {
		u, err = c.user(path, "from", ev.From, "from_user_id", ev.FromUserID, ev.FromParentUserID)
	} else {
		u, err = c.user(path, "to", ev.To, "to_user_id", ev.ToUserID, ev.ToParentUserID)
	}
	if err != nil {
		return Record{}, err
	}
	if u.key == "" {
		if dir == "inbound" {
			return Record{}, &ParseError{path + ".from", "missing: neither from nor from_user_id names the caller"}
		}
		return Record{}, &ParseError{path + ".to", "missing: neither to nor to_user_id names the user called"}
	}
	addUserMeta(it, u)
	biz := c.business()
	if dir == "inbound" {
		it.From, it.To = u.p, []item.Participant{biz}
	} else {
		it.From, it.To = biz, []item.Participant{u.p}
	}
	it.Conversation = c.direct(u)
	info := &item.CallInfo{Direction: dir}
	status := strings.TrimSpace(rawText(ev.Status))
	if status != "" {
		it.Meta["call-status"] = status
	}
	switch event {
	case "connect":
		info.Status = "connecting"
	case "terminate":
		info.Status = strings.ToLower(status)
		if info.Status == "" {
			info.Status = "ended"
		}
		start, err := optionalEpoch(ev.StartTime, path+".start_time")
		if err != nil {
			return Record{}, err
		}
		end, err := optionalEpoch(ev.EndTime, path+".end_time")
		if err != nil {
			return Record{}, err
		}
		if !start.IsZero() {
			it.Meta["call-start"] = start.Format(time.RFC3339)
			it.Time = start
		}
		if !end.IsZero() {
			it.Meta["call-end"] = end.Format(time.RFC3339)
		}
		switch {
		case len(ev.Duration) > 0 && string(ev.Duration) != "null":
			d, err := strconv.ParseInt(rawText(ev.Duration), 10, 64)
			if err != nil || d < 0 {
				return Record{}, &ParseError{path + ".duration", fmt.Sprintf("%s is not a number of seconds", clip(string(ev.Duration)))}
			}
			info.Duration = d
		case !start.IsZero() && !end.IsZero():
			if end.Before(start) {
				return Record{}, &ParseError{path + ".end_time", "before start_time"}
			}
			info.Duration = int64(end.Sub(start) / time.Second)
		default:
			it.Meta["duration-unknown"] = "true"
		}
	default:
		info.Status = firstNonEmpty(strings.ToLower(status), event)
	}
	it.Call = info
	if len(ev.Errors) > 0 {
		var es []string
		for _, e := range ev.Errors {
			es = append(es, e.String())
		}
		it.Meta["errors"] = strings.Join(es, "; ")
	}
	if err := it.Validate(); err != nil {
		return Record{}, &ParseError{path, fmt.Sprintf("the item made of it is not valid: %v", err)}
	}
	return Record{Item: it}, nil
}

// optionalEpoch reads a time in epoch seconds that may be absent.
func optionalEpoch(raw json.RawMessage, path string) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	return epoch(raw, path)
}
