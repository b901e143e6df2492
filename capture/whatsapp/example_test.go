package whatsapp_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"

	"github.com/custos-archive/custos/capture/whatsapp"
)

func ExampleParse() {
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
	  "messaging_product":"whatsapp",
	  "metadata":{"display_phone_number":"15550100123","phone_number_id":"106540352242922"},
	  "contacts":[{"profile":{"name":"Bob Chen"},"wa_id":"447700900123"}],
	  "messages":[
	    {"from":"447700900123","id":"wamid.A1","timestamp":"1772445600","type":"text","text":{"body":"Can you send the updated price?"}},
	    {"from":"447700900123","id":"wamid.A2","timestamp":"1772445660","type":"audio","audio":{"id":"1003","mime_type":"audio/ogg; codecs=opus","voice":true}},
	    {"from":"447700900123","id":"wamid.A3","timestamp":"1772445720","type":"reaction","reaction":{"message_id":"wamid.OUT1","emoji":"👍"}}]}}]}]}`)

	// The signature is checked on the raw body first.
	mac := hmac.New(sha256.New, []byte("app-secret"))
	mac.Write(body)
	if err := whatsapp.VerifySignature("app-secret", body, "sha256="+hex.EncodeToString(mac.Sum(nil))); err != nil {
		fmt.Println(err) // answer 401
		return
	}
	b, err := whatsapp.Parse(body)
	if err != nil {
		fmt.Println(err) // answer 400: nothing of the body is stored
		return
	}
	for _, rec := range b.Records {
		it := rec.Item
		fmt.Println(it.Kind, it.SourceID, it.Time.Format("15:04"), it.From.Name, it.From.Phone, "→", it.To[0].Phone, it.Conversation.ID)
		fmt.Printf("  %q refers to %q\n", it.Text, it.RefersTo)
		for _, m := range rec.Media {
			// The capture service fetches the bytes by m.ID (FetchMedia),
			// stores them and appends the attachment.
			a := m.Attachment("sha256:…", 0)
			fmt.Println("  fetch", m.ID, "as", a.Name, a.ContentType)
		}
	}
	// Output:
	// chat wamid.A1 10:00 Bob Chen +447700900123 → +15550100123 wa:+15550100123:+447700900123
	//   "Can you send the updated price?" refers to ""
	// attachment wamid.A2 10:01 Bob Chen +447700900123 → +15550100123 wa:+15550100123:+447700900123
	//   "[voice message]" refers to ""
	//   fetch 1003 as 1003.ogg audio/ogg
	// reaction wamid.A3 10:02 Bob Chen +447700900123 → +15550100123 wa:+15550100123:+447700900123
	//   "👍" refers to "wamid.OUT1"
}

func ExampleParse_error() {
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
	  "metadata":{"display_phone_number":"15550100123"},
	  "messages":[{"from":"447700900123","id":"wamid.A1","timestamp":"abc","type":"text","text":{"body":"x"}}]}}]}]}`)
	_, err := whatsapp.Parse(body)
	fmt.Println(err)
	// Output:
	// whatsapp webhook: entry[0].changes[0].value.messages[0].timestamp: "abc" is not epoch seconds
}

func ExampleHandshake() {
	q, _ := url.ParseQuery("hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=1158201444")
	challenge, err := whatsapp.Handshake(q, "s3cret")
	fmt.Println(challenge, err) // write the challenge back with 200, or 403 on error
	// Output:
	// 1158201444 <nil>
}
