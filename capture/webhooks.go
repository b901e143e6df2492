package capture

import "net/http"

// webhookRoutes adds the platforms' webhooks (WhatsApp Cloud API, Twilio).
func (s *Site) webhookRoutes(mux *http.ServeMux) {}
