package wecom_test

import (
	"fmt"
	"strings"

	"github.com/custos-archive/custos/capture/wecom"
)

func ExampleParseRecord() {
	raw := `{"msgid":"10958372969718811103_1603875609","action":"send","from":"wmGAgeDQAAdBjb8CK4ieMPRm7Cqm-9VA","tolist":["kenshin"],"roomid":"","msgtime":1603875609704,"msgtype":"voice","voice":{"md5sum":"9db09c7fa627c9e53f17736c786a74d5","voice_size":6810,"play_length":10,"sdkfileid":"kcyZjZqOXhETGYx"}}`
	rec, err := wecom.ParseRecord([]byte(raw), wecom.Options{Names: map[string]string{"kenshin": "Ken Shin"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	it := rec.Item
	fmt.Println(it.Kind, it.Time.Format("2006-01-02 15:04:05"), it.From.ID, "→", it.To[0].Name)
	fmt.Println(it.Text)
	for _, m := range rec.Media {
		// The capture service fetches the bytes by m.SDKFileID, stores
		// them, sets the attachment's Blob and appends it to the item.
		a := m.Attachment()
		fmt.Println(m.SDKFileID, a.Name, a.ContentType)
	}
	// Output:
	// attachment 2020-10-28 09:00:09 wmGAgeDQAAdBjb8CK4ieMPRm7Cqm-9VA → Ken Shin
	// [voice message, 10 s, 6810 bytes]
	// kcyZjZqOXhETGYx 9db09c7fa627c9e53f17736c786a74d5.amr audio/amr
}

func ExampleParseLines() {
	lines := `{"msgid":"m1","action":"send","from":"alice","tolist":["bob"],"roomid":"","msgtime":1772445600000,"msgtype":"text","text":{"content":"price?"}}
{"msgid":"m2","action":"send","from":"bob","tolist":["alice"],"roomid":"","msgtime":"soon","msgtype":"text","text":{"content":"broken"}}
{"msgid":"m3","action":"recall","from":"alice","tolist":["bob"],"roomid":"","msgtime":1772445660000,"msgtype":"revoke","revoke":{"pre_msgid":"m1"}}
`
	st, err := wecom.ParseLines(strings.NewReader(lines), "chatdata.jsonl", wecom.Options{}, func(rec *wecom.Record) error {
		fmt.Printf("%s %s refers to %q\n", rec.Item.SourceID, rec.Item.Kind, rec.Item.RefersTo)
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(st.Records, "records")
	for _, r := range st.Rejected {
		fmt.Println(r)
	}
	// Output:
	// m1 chat refers to ""
	// m3 recalled refers to "m1"
	// 2 records
	// chatdata.jsonl:2: skipped: wecom record "m2": msgtime: not a number: invalid number literal, trying to unmarshal "\"soon\"" into Number
}
