package twilio_test

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/custos-archive/custos/capture/twilio"
)

// An HTTP handler checks the signature, then parses the form: a message
// becomes an item (its media fetched later), a status callback a Status.
func ExampleParseMessage() {
	const authToken, hookURL = "auth-token", "https://capture.example.org/twilio/messages"
	body := "MessageSid=MM90c6fc909d8504d45ecdb3a3d5b3556e&AccountSid=AC0123456789abcdef0123456789abcdef" +
		"&From=%2B447700900123&To=%2B12025550143&Body=Signed+copy+attached&NumMedia=1&SmsStatus=received" +
		"&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC0123456789abcdef0123456789abcdef%2FMessages%2FMM90c6fc909d8504d45ecdb3a3d5b3556e%2FMedia%2FME0123&MediaContentType0=application%2Fpdf"
	form, _ := url.ParseQuery(body)
	header := twilio.Sign(authToken, hookURL, form) // what Twilio sends as X-Twilio-Signature

	if err := twilio.ValidateSignature(authToken, hookURL, form, header); err != nil {
		fmt.Println(err) // 403
		return
	}
	o := twilio.Options{
		Numbers: func(n string) bool { return n == "+12025550143" },
		Now:     time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC),
	}
	rec, status, err := twilio.ParseMessage(form, o)
	var pe *twilio.ParamError
	switch {
	case errors.As(err, &pe):
		fmt.Println("400:", pe.Param, pe.Problem)
	case status != nil:
		fmt.Println("status", status.Status, "of", status.SID)
	default:
		it := rec.Item
		fmt.Println(it.Kind, it.Meta["direction"], it.From.Phone, "→", it.To[0].Phone, "in", it.Conversation.ID)
		fmt.Println(it.Text)
		for _, m := range rec.Media {
			// The capture service fetches m.URL with FetchMedia, stores the
			// bytes, sets the attachment's Blob and appends it to the item.
			a := m.Attachment()
			fmt.Println(a.Name, a.ContentType)
		}
	}
	// Output:
	// mms inbound +447700900123 → +12025550143 in +12025550143/+447700900123
	// Signed copy attached
	// ME0123.pdf application/pdf
}

// A recording status callback does not say who was on the call: the
// caller passes the call log of the same CallSid.
func ExampleParseRecording() {
	o := twilio.Options{Numbers: func(n string) bool { return n == "+12025550143" }, Now: time.Now()}
	callForm, _ := url.ParseQuery("CallSid=CA42ed11f93dc08b952027ffbc406d0868&CallStatus=completed&CallDuration=125" +
		"&Direction=outbound-api&From=%2B12025550143&To=%2B13105550188&Timestamp=Mon%2C+02+Mar+2026+20%3A02%3A05+%2B0000")
	call, _, err := twilio.ParseCallStatus(callForm, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	recForm, _ := url.ParseQuery("CallSid=CA42ed11f93dc08b952027ffbc406d0868&RecordingSid=RE557ce644e5ab84fa21cc21112e22c485" +
		"&RecordingStatus=completed&RecordingDuration=118&RecordingUrl=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FRecordings%2FRE557ce644e5ab84fa21cc21112e22c485")
	if _, _, err := twilio.ParseRecording(recForm, twilio.RecordingOptions{Options: o}); errors.Is(err, twilio.ErrCallUnknown) {
		fmt.Println("without the call:", err)
	}
	rec, _, err := twilio.ParseRecording(recForm, twilio.RecordingOptions{Options: o, Call: call.Item})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(call.Item.Kind, call.Item.Call.Direction, call.Item.Call.Status, call.Item.Call.Duration, call.Item.Time.Format(time.RFC3339))
	fmt.Println(rec.Item.Kind, rec.Item.Call.Duration, rec.Item.Conversation.ID)
	fmt.Println(rec.Media[0].URL)
	// Output:
	// without the call: twilio webhook: From: missing, and To too: a recording callback does not say who took part; pass the call_log item of call CA42ed11f93dc08b952027ffbc406d0868 (RecordingOptions.Call)
	// call_log outbound completed 125 2026-03-02T20:00:00Z
	// voice_recording 118 +12025550143/+13105550188
	// https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE557ce644e5ab84fa21cc21112e22c485.wav
}
