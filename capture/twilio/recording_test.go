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

func TestParseRecording(t *testing.T) {
	completed := readForm(t, filepath.Join("testdata", "recording_completed.form"))
	call := knownCall(t)
	o := testOptions()

	t.Run("with the call", func(t *testing.T) {
		rec, st, err := ParseRecording(completed, RecordingOptions{Options: o, Call: call})
		checkResult(t, rec, st, err)
		if rec == nil {
			t.Fatal(st, err)
		}
		it := rec.Item
		eq(t, "kind", it.Kind, item.VoiceRecording)
		eq(t, "source id", it.SourceID, "RE557ce644e5ab84fa21cc21112e22c485")
		eq(t, "call", *it.Call, item.CallInfo{Direction: "inbound", Status: "completed", Duration: 118})
		eq(t, "parties", it.Participants(), call.Participants())
		eq(t, "conversation", it.Conversation, call.Conversation)
		eq(t, "owner", it.Owner, call.Owner)
		eq(t, "time (RecordingStartTime)", it.Time.Format(time.RFC3339), "2026-03-02T15:00:07Z")
		eq(t, "call sid", it.Meta["call-sid"], call.SourceID)
		eq(t, "media", rec.Media, []Media{{
			URL:         "https://api.twilio.com/2010-04-01/Accounts/AC3c6f5a6e0b4e4d2f9a8b7c6d5e4f3a2b/Recordings/RE557ce644e5ab84fa21cc21112e22c485.wav",
			ContentType: "audio/wav", Name: "RE557ce644e5ab84fa21cc21112e22c485.wav"}})
		// The item is not the call's: changing one leaves the other alone.
		it.To[0].Name = "changed"
		if call.To[0].Name == "changed" {
			t.Error("the recording shares its To with the call")
		}
	})
	t.Run("without the call", func(t *testing.T) {
		rec, st, err := ParseRecording(completed, RecordingOptions{Options: o})
		checkResult(t, rec, st, err)
		if !errors.Is(err, ErrCallUnknown) {
			t.Fatalf("want ErrCallUnknown, got %v", err)
		}
		if !strings.Contains(err.Error(), "CA42ed11f93dc08b952027ffbc406d0868") {
			t.Errorf("the error does not name the call: %v", err)
		}
	})
	t.Run("another call", func(t *testing.T) {
		other := *call
		other.SourceID = "CA00000000000000000000000000000000"
		_, _, err := ParseRecording(completed, RecordingOptions{Options: o, Call: &other})
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != "CallSid" {
			t.Fatalf("want a CallSid error, got %v", err)
		}
	})
	t.Run("a call that is not a call log", func(t *testing.T) {
		msg := *call
		msg.Kind = item.SMS
		_, _, err := ParseRecording(completed, RecordingOptions{Options: o, Call: &msg})
		var pe *ParamError
		if err == nil || errors.As(err, &pe) {
			t.Fatalf("want the caller's error, got %v", err)
		}
	})
	t.Run("mp3", func(t *testing.T) {
		rec, _, err := ParseRecording(completed, RecordingOptions{Options: o, Call: call, Format: "mp3"})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "media", [3]string{rec.Media[0].URL[len(rec.Media[0].URL)-4:], rec.Media[0].ContentType, rec.Media[0].Name},
			[3]string{".mp3", "audio/mpeg", "RE557ce644e5ab84fa21cc21112e22c485.mp3"})
	})
	t.Run("bad format", func(t *testing.T) {
		_, _, err := ParseRecording(completed, RecordingOptions{Options: o, Call: call, Format: "ogg"})
		var pe *ParamError
		if err == nil || errors.As(err, &pe) {
			t.Fatalf("want the caller's error, got %v", err)
		}
	})
	t.Run("a recorded call's status callback", func(t *testing.T) {
		form := readForm(t, filepath.Join("testdata", "call_completed_recorded.form"))
		callRec, _, err := ParseCallStatus(form, o)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "recording sid on the call log", callRec.Item.Meta["recording-sid"], "RE3333aaaa1111bbbb2222cccc3333dddd")
		rec, st, err := ParseRecording(form, RecordingOptions{Options: o})
		checkResult(t, rec, st, err)
		if rec == nil {
			t.Fatal(st, err)
		}
		eq(t, "kind", rec.Item.Kind, item.VoiceRecording)
		eq(t, "parties", rec.Item.Participants(), callRec.Item.Participants())
		eq(t, "conversation", rec.Item.Conversation, callRec.Item.Conversation)
		eq(t, "time: the call's start", rec.Item.Time, callRec.Item.Time)
		eq(t, "call", *rec.Item.Call, item.CallInfo{Direction: "outbound", Status: "completed", Duration: 60})
	})
	t.Run("no time at all: Now less the duration", func(t *testing.T) {
		form := readForm(t, filepath.Join("testdata", "recording_completed.form"))
		form.Del("RecordingStartTime")
		rec, _, err := ParseRecording(form, RecordingOptions{Options: o, Call: call})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "time: the call's", rec.Item.Time, call.Time)
		rec, _, err = ParseRecording(readForm(t, filepath.Join("testdata", "recording_record_action.form")), RecordingOptions{Options: o})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "time: Now less 23 s", rec.Item.Time, now.Add(-23*time.Second))
	})
	base := func(kv ...string) url.Values {
		v := url.Values{"RecordingSid": {"RE1"}, "CallSid": {"CA42ed11f93dc08b952027ffbc406d0868"}, "RecordingStatus": {"completed"},
			"RecordingDuration": {"5"}, "RecordingUrl": {"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "\x00delete" {
				v.Del(kv[i])
				continue
			}
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for name, c := range map[string]struct {
		form      url.Values
		url, ctyp string
	}{
		"extension already there": {base("RecordingUrl", "https://api.twilio.com/r/RE1.mp3"), "https://api.twilio.com/r/RE1.mp3", "audio/mpeg"},
		"extension before query":  {base("RecordingUrl", "https://rec.example/r/RE1?sig=x"), "https://rec.example/r/RE1.wav?sig=x", "audio/wav"},
	} {
		t.Run(name, func(t *testing.T) {
			rec, st, err := ParseRecording(c.form, RecordingOptions{Options: o, Call: call})
			checkResult(t, rec, st, err)
			if rec == nil {
				t.Fatal(st, err)
			}
			eq(t, "url", rec.Media[0].URL, c.url)
			eq(t, "type", rec.Media[0].ContentType, c.ctyp)
		})
	}
	for name, c := range map[string]struct {
		form           url.Values
		param, problem string
	}{
		"relative URL":      {base("RecordingUrl", "RE1.wav"), "RecordingUrl", "absolute"},
		"no sid":            {base("RecordingSid", "\x00delete"), "RecordingSid", "missing"},
		"unknown status":    {base("RecordingStatus", "done"), "RecordingStatus", "not one of"},
		"empty status":      {base("RecordingStatus", ""), "RecordingStatus", "empty"},
		"no duration":       {base("RecordingDuration", "\x00delete"), "RecordingDuration", "missing"},
		"call sid missing":  {base("CallSid", "\x00delete"), "CallSid", "cannot be checked"},
		"bad start time":    {base("RecordingStartTime", "yesterday"), "RecordingStartTime", "RFC 2822"},
		"From without To":   {base("From", "+14155550100"), "To", "missing"},
		"From and To ours?": {base("From", "+14155550100", "To", "+14155550111"), "To", "neither"},
	} {
		t.Run(name, func(t *testing.T) {
			rec, st, err := ParseRecording(c.form, RecordingOptions{Options: o, Call: call})
			checkResult(t, rec, st, err)
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != c.param || !strings.Contains(pe.Problem, c.problem) {
				t.Fatalf("want %s: …%s…, got %v", c.param, c.problem, err)
			}
		})
	}
	for _, status := range []string{"in-progress", "absent", "failed"} {
		t.Run(status, func(t *testing.T) {
			rec, st, err := ParseRecording(base("RecordingStatus", status, "ErrorCode", "0"), RecordingOptions{Options: o})
			checkResult(t, rec, st, err)
			if st == nil {
				t.Fatal(rec, err)
			}
			eq(t, "status", *st, Status{Resource: RecordingResource, SID: "RE1", CallSID: "CA42ed11f93dc08b952027ffbc406d0868", Status: status, Time: now})
		})
	}
}
