package capture_test

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkWhatsAppWebhook posts signed text-message webhooks to the site on
// loopback, each a new message, and reports durable requests per second (a
// 200 means the message is committed to disk).
//
//	go test ./capture -run '^$' -bench WhatsAppWebhook -benchtime 3000x
func BenchmarkWhatsAppWebhook(b *testing.B) {
	h := newHookSite(b, newPlatforms(b))
	var n atomic.Int64
	b.ResetTimer()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := waBody(fmt.Sprintf(`{"from":"13105550188","id":"wamid.B%d","timestamp":"1673032525","type":"text","text":{"body":"benchmark message %d"}}`, i, i))
			if code, msg := h.postWhatsApp(body, sign(body)); code != 200 {
				b.Fatalf("%d %s", code, msg)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
