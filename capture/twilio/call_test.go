package twilio

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

func TestParseCallStatus(t *testing.T) {
	type want struct {
		call   *item.CallInfo
		from   item.Participant
		to     item.Participant
		conv   string
		time   string // RFC 3339
		status string // for a Status
		param  string // for an error
	}
	const desk = "+12025550143"
	table := map[string]want{
		"call_completed_inbound": {call: &item.CallInfo{Direction: "inbound", Status: "completed", Duration: 125},
			from: item.Participant{Name: "JOHN DOE", Phone: "+14155550100"}, to: item.Participant{Phone: desk},
			conv: desk + "/+14155550100", time: "2026-03-02T15:00:00Z"},
		"call_completed_outbound_api": {call: &item.CallInfo{Direction: "outbound", Status: "completed", Duration: 3725},
			from: item.Participant{Phone: desk}, to: item.Participant{Phone: "+13105550188"},
			conv: desk + "/+13105550188", time: "2026-03-02T20:00:00Z"},
		"call_no_answer": {call: &item.CallInfo{Direction: "outbound", Status: "no-answer"},
			from: item.Participant{Phone: desk}, to: item.Participant{Phone: "+447700900123"},
			conv: desk + "/+447700900123", time: "2026-03-03T09:00:30-05:00"},
		"call_busy_anonymous": {call: &item.CallInfo{Direction: "inbound", Status: "busy"},
			from: item.Participant{ID: "anonymous"}, to: item.Participant{Phone: "+12025550188"},
			conv: "+12025550188/anonymous:CA1111aaaa1111bbbb2222cccc3333dddd", time: "2026-03-03T10:15:00Z"},
		"call_canceled_client": {call: &item.CallInfo{Direction: "inbound", Status: "canceled"},
			from: item.Participant{ID: "alice"}, to: item.Participant{Phone: desk},
			conv: desk + "/client:alice", time: "2026-03-03T11:00:00Z"},
		"call_completed_recorded": {call: &item.CallInfo{Direction: "outbound", Status: "completed", Duration: 64},
			from: item.Participant{Phone: desk}, to: item.Participant{Phone: "+447700900123"},
			conv: desk + "/+447700900123", time: "2026-03-04T16:30:00Z"},
		"call_ringing":              {status: "ringing", time: "2026-03-02T14:59:55Z"},
		"call_in_progress":          {status: "in-progress", time: "2026-03-02T15:00:00Z"},
		"call_err_bad_duration":     {param: "CallDuration"},
		"call_err_missing_duration": {param: "CallDuration"},
		"call_err_bad_timestamp":    {param: "Timestamp"},
		"call_err_unknown_status":   {param: "CallStatus"},
		"call_err_missing_sid":      {param: "CallSid"},
		"call_err_not_ours":         {param: "To"},
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "call_*.form"))
	if len(files) != len(table) {
		t.Errorf("%d call fixtures, %d expectations: keep them in step", len(files), len(table))
	}
	for name, w := range table {
		t.Run(name, func(t *testing.T) {
			rec, st, err := ParseCallStatus(readForm(t, filepath.Join("testdata", name+".form")), testOptions())
			checkResult(t, rec, st, err)
			switch {
			case w.param != "":
				var pe *ParamError
				if !errors.As(err, &pe) {
					t.Fatalf("want an error naming %s, got %v", w.param, err)
				}
				eq(t, "param", pe.Param, w.param)
			case w.status != "":
				if st == nil {
					t.Fatalf("want a status, got %v %v", rec, err)
				}
				eq(t, "status", st.Status, w.status)
				eq(t, "resource", st.Resource, CallResource)
				eq(t, "time", st.Time.Format(time.RFC3339), w.time)
			default:
				if rec == nil {
					t.Fatalf("want a record, got %v %v", st, err)
				}
				it := rec.Item
				eq(t, "kind", it.Kind, item.CallLog)
				eq(t, "call", it.Call, w.call)
				eq(t, "from", it.From, w.from)
				eq(t, "to", it.To, []item.Participant{w.to})
				eq(t, "conversation", it.Conversation.ID, w.conv)
				eq(t, "time", it.Time.Format(time.RFC3339), w.time)
				eq(t, "text", it.Text, "")
				eq(t, "media", len(rec.Media), 0)
			}
		})
	}
}

func TestParseCallStatusEdges(t *testing.T) {
	base := func(kv ...string) url.Values {
		v := url.Values{"CallSid": {"CA42ed11f93dc08b952027ffbc406d0868"}, "CallStatus": {"completed"}, "CallDuration": {"10"},
			"From": {"+14155550100"}, "To": {"+12025550143"}, "Direction": {"inbound"}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "\x00delete" {
				v.Del(kv[i])
				continue
			}
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	t.Run("no Timestamp: Now", func(t *testing.T) {
		rec, _, err := ParseCallStatus(base(), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "time", rec.Item.Time, now.Add(-10*time.Second))
		eq(t, "ended", rec.Item.Meta["ended"], "")
	})
	t.Run("both ours: Direction decides", func(t *testing.T) {
		for dir, want := range map[string]string{"inbound": "inbound", "outbound-api": "outbound", "outbound-dial": "outbound", "": "outbound"} {
			rec, _, err := ParseCallStatus(base("From", "+12025550188", "Direction", dir), testOptions())
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "direction "+dir, rec.Item.Call.Direction, want)
			owner := "+12025550188"
			if want == "inbound" {
				owner = "+12025550143"
			}
			eq(t, "owner "+dir, rec.Item.Owner, owner)
		}
	})
	t.Run("the outbound side is the owner", func(t *testing.T) {
		rec, _, err := ParseCallStatus(base("From", "+12025550143", "To", "+14155550100", "Direction", "outbound-api"), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "owner", rec.Item.Owner, "+12025550143")
		eq(t, "conversation", rec.Item.Conversation.ID, "+12025550143/+14155550100")
	})
	t.Run("empty From is withheld", func(t *testing.T) {
		rec, _, err := ParseCallStatus(base("From", ""), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "from", rec.Item.From, item.Participant{ID: "anonymous"})
	})
	t.Run("sip address", func(t *testing.T) {
		rec, _, err := ParseCallStatus(base("From", "sip:bob@pbx.example.com"), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "from", rec.Item.From, item.Participant{ID: "bob@pbx.example.com"})
		eq(t, "meta", rec.Item.Meta["from-channel"], "sip")
	})
	t.Run("busy without duration", func(t *testing.T) {
		rec, _, err := ParseCallStatus(base("CallStatus", "busy", "CallDuration", "\x00delete"), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "duration", rec.Item.Call.Duration, int64(0))
	})
	t.Run("ongoing needs no parties", func(t *testing.T) {
		_, st, err := ParseCallStatus(url.Values{"CallSid": {"CA1"}, "CallStatus": {"queued"}}, testOptions())
		if err != nil || st == nil {
			t.Fatalf("%v %v", st, err)
		}
		eq(t, "time", st.Time, now)
	})
	for name, c := range map[string]struct {
		form           url.Values
		param, problem string
	}{
		"duration not a number": {base("CallDuration", "12s"), "CallDuration", "not a number"},
		"duration empty":        {base("CallDuration", ""), "CallDuration", "not a number"},
		"duration too long":     {base("CallDuration", "604801"), "CallDuration", "more than a week"},
		"duration overflows":    {base("CallDuration", "99999999999999999999"), "CallDuration", "too large"},
		"status missing":        {base("CallStatus", "\x00delete"), "CallStatus", "missing"},
		"To missing":            {base("To", "\x00delete"), "To", "missing"},
		"Timestamp before 1970": {base("Timestamp", "Mon, 02 Mar 1950 15:02:05 +0000"), "Timestamp", "year 1950"},
		"Timestamp sent twice":  {url.Values{"CallSid": {"CA1"}, "CallStatus": {"ringing"}, "Timestamp": {"a", "b"}}, "Timestamp", "2 times"},
		"neither side ours":     {base("To", "+14155550199"), "To", "neither"},
		"withheld both sides":   {base("From", "anonymous", "To", "restricted"), "To", "neither"},
	} {
		t.Run(name, func(t *testing.T) {
			rec, st, err := ParseCallStatus(c.form, testOptions())
			checkResult(t, rec, st, err)
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != c.param || !strings.Contains(pe.Problem, c.problem) {
				t.Fatalf("want %s: …%s…, got %v", c.param, c.problem, err)
			}
		})
	}
}
