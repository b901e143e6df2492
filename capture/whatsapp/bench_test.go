package whatsapp

import (
	"path/filepath"
	"testing"
)

// BenchmarkParse parses this package's accepted payloads (testdata/*.json
// without the bad_ prefix) in turn and reports payloads per second and
// bytes per second.
func BenchmarkParse(b *testing.B) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	var size int64
	for _, f := range files {
		if filepath.Base(f)[:4] == "bad_" {
			continue
		}
		data := readFile(b, f)
		if _, err := Parse(data); err != nil {
			b.Fatalf("%s: %v", f, err)
		}
		bodies = append(bodies, data)
		size += int64(len(data))
	}
	b.SetBytes(size / int64(len(bodies)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(bodies[i%len(bodies)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payloads/s")
}

// BenchmarkParseText parses the smallest usual body, one text message, as
// the platform sends most webhooks.
func BenchmarkParseText(b *testing.B) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100123","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Bob Chen"},"wa_id":"447700900123"}],"messages":[{"from":"447700900123","id":"wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=","timestamp":"1772445600","text":{"body":"Morning, can you send the updated price?"},"type":"text"}]},"field":"messages"}]}]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payloads/s")
}
