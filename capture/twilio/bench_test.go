package twilio

import (
	"net/url"
	"path/filepath"
	"testing"
)

// BenchmarkParseMessage parses an SMS, an MMS with two media and a status
// callback, from url.Values (the HTTP layer's r.PostForm), and from the
// raw body.
func BenchmarkParseMessage(b *testing.B) {
	o := testOptions()
	for _, name := range []string{"message_sms_inbound", "message_mms_inbound", "message_whatsapp_inbound", "message_status_delivered"} {
		form := readForm(b, filepath.Join("testdata", name+".form"))
		raw := form.Encode()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, _, err := ParseMessage(form, o); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/body", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				form, err := url.ParseQuery(raw)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := ParseMessage(form, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateSignature checks the signature of an MMS webhook.
func BenchmarkValidateSignature(b *testing.B) {
	form := readForm(b, filepath.Join("testdata", "message_mms_inbound.form"))
	const u = "https://capture.example.org/twilio/messages"
	sig := Sign("token", u, form)
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateSignature("token", u, form, sig); err != nil {
			b.Fatal(err)
		}
	}
}
