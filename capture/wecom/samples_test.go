package wecom

import (
	"github.com/custos-archive/custos/internal/sharedtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// sharedDir returns the shared samples of this format, or skips the test.
func sharedDir(t *testing.T) string { return sharedtest.Dir(t, "wecom-archive") }

// TestSharedSamples reads every data file of the shared WeCom samples with
// ParseLines (each holds one record, without a final newline, as WxJava's
// test strings evaluate; a file of several JSON lines would be read the
// same way) and checks per file the number of records, the kind, the
// sender, the conversation and a key field.
func TestSharedSamples(t *testing.T) {
	dir := sharedDir(t)
	type want struct {
		records int // records in the file
		kind    item.Kind
		from    string
		conv    item.Conversation
		media   int
		check   func(t *testing.T, rec *Record)
	}
	direct := func(a, b string) item.Conversation { return item.Conversation{ID: a + "," + b, Type: item.Direct} }
	group := func(id string) item.Conversation { return item.Conversation{ID: id, Type: item.Group} }
	table := map[string]want{
		"wxjava_doc_agree.json": {1, item.System, "wmGAgeDQAAvQeaTqWwkMTxGMkvI7OOuQ", direct("kenshin", "wmGAgeDQAAvQeaTqWwkMTxGMkvI7OOuQ"), 0, func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "wmGAgeDQAAvQeaTqWwkMTxGMkvI7OOuQ agreed to the archiving of this conversation")
			eq(t, "agree-time", rec.Item.Meta["agree-time"], "2020-10-28T09:03:46.656Z")
		}},
		"wxjava_doc_card.json": {1, item.Contact, "kenshin", direct("kenshin", "wmGAgeDQAAy2Dtr0F8aK4dTuatfm-5Rg"), 0, func(t *testing.T, rec *Record) {
			eq(t, "card", rec.Item.Meta["card-userid"], "wmGAgeDQAAGjFmfnP7A3j2JxQDdLNhSw")
			eq(t, "corp", rec.Item.Meta["card-corpname"], "微信联系人")
		}},
		"wxjava_doc_chatrecord.json": {1, item.Chat, "ken", direct("icef", "ken"), 0, func(t *testing.T, rec *Record) {
			eq(t, "forwarded messages as lines", rec.Item.Text, "[chat history] 群聊\n2020-10-28 09:00:10 UTC test\n2020-10-28 09:00:20 UTC test2")
		}},
		"wxjava_doc_emotion.json": {1, item.Media, "icef", direct("icef", "wmErxtDgAAhteCglUZH2kUt3rq431qmg"), 1, func(t *testing.T, rec *Record) {
			eq(t, "gif", [2]string{rec.Media[0].Name, rec.Media[0].ContentType}, [2]string{"94c2b0bba52cc456cb8221b248096612.gif", "image/gif"})
			eq(t, "size", rec.Media[0].Size, int64(962604))
		}},
		"wxjava_doc_file.json": {1, item.File, "kens", direct("kens", "wmErxtDgAArDlFIhf76O6w4GxU81al8w"), 1, func(t *testing.T, rec *Record) {
			eq(t, "file", rec.Media[0], Media{SDKFileID: rec.Item.Meta["sdkfileid"], Name: "资料.docx", ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Size: 18181, MD5: "18e93fc2ea884df23b3d2d3b8667b9f0"})
			eq(t, "text", rec.Item.Text, "[file 资料.docx, 18181 bytes]")
		}},
		"wxjava_doc_image.json": {1, item.Media, "XuJinSheng", direct("XuJinSheng", "icefog"), 1, func(t *testing.T, rec *Record) {
			// msgtime is 0 and the msgid has no time in it.
			eq(t, "epoch", rec.Item.Time, time.Unix(0, 0).UTC())
			eq(t, "said so", rec.Item.Meta["time-unknown"], "msgtime is 0; the time is the Unix epoch")
			eq(t, "jpeg", rec.Media[0].Name, "50de8e5ae8ffe4f1df7a93841f71993a.jpg")
			eq(t, "md5 meta", rec.Item.Meta["md5sum"], "50de8e5ae8ffe4f1df7a93841f71993a")
		}},
		"wxjava_doc_link.json": {1, item.Chat, "kenshin", direct("0000726", "kenshin"), 0, func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "邀请你加入群聊\n技术支持群，进入可查看详情\nhttps://work.weixin.qq.com/wework_admin/external_room/join/exceed?vcode=xxx")
			eq(t, "image-url", rec.Item.Meta["image-url"], "https://wework.qpic.cn/wwpic/xxx/0")
		}},
		"wxjava_doc_location.json": {1, item.Location, "icefog", direct("icefog", "wmN6etBgAA0sbJ3invMvRxPQDFoq9uWA"), 0, func(t *testing.T, rec *Record) {
			eq(t, "place", *rec.Item.Location, item.Place{Latitude: 39.911125799, Longitude: 116.586285899, Name: "xxx管理中心", Address: "北京市xxx区xxx路xxx大厦x座"})
		}},
		"wxjava_doc_markDown.json": {1, item.Chat, "ken", group("wr0SfLCgAAgCaCPeM33UNe"), 0, func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "请前往系统查看，谢谢。")
			eq(t, "To", rec.Item.To, []item.Participant{{ID: "icef"}, {ID: "test"}})
		}},
		"wxjava_doc_meetingVoiceCall.json": {1, item.Call, "wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA", item.Conversation{ID: "wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA", Type: item.Direct}, 1, func(t *testing.T, rec *Record) {
			// msgtime 1594197581203 to endtime 1594197635: 54 s.
			eq(t, "call", *rec.Item.Call, item.CallInfo{Direction: "outbound", Status: "completed", Duration: 54})
			eq(t, "recording", [2]string{rec.Media[0].Name, rec.Media[0].ContentType}, [2]string{"grb8a4c48a3c094a70982c518d55e40557", "application/octet-stream"})
			eq(t, "text", rec.Item.Text, "[voice meeting, 54 s]\nshared document 65eb1cdd3e7a3c1740ecd74220b6c627.docx by wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA 08:39:59–08:40:09 UTC\nscreen shared by wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA 08:40:24 UTC")
			eq(t, "voiceid", rec.Item.Meta["voiceid"], "grb8a4c48a3c094a70982c518d55e40557")
		}},
		"wxjava_doc_mixed.json": {1, item.Chat, "HeMiao", group("wr_tZ2BwAAUwHpYMwy9cIWqnlU3Hzqfg"), 1, func(t *testing.T, rec *Record) {
			eq(t, "parts", rec.Item.Text, "你好[微笑]\n[image, 13177 bytes]")
			eq(t, "image", rec.Media[0].MD5, "368b6c18c82e6441bfd89b343e9d2429")
		}},
		"wxjava_doc_news.json": {1, item.Chat, "kens", group("wrErxtDgAA0jgXE5"), 0, func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "service\ntest\nhttp://xxx")
			eq(t, "msgid without a time", rec.Item.SourceID, "118732825779547782215")
		}},
		"wxjava_doc_revoke.json": {1, item.Recalled, "kenshin", direct("kenshin", "wmUu0zBgAALV7ZymkcMyxvbTe8YdWxxA"), 0, func(t *testing.T, rec *Record) {
			eq(t, "refers to", rec.Item.RefersTo, "14822339130656386894_1603875600")
		}},
		"wxjava_doc_switchlog.json": {1, item.System, "XuJinSheng", item.Conversation{ID: "XuJinSheng", Type: item.Direct}, 0, func(t *testing.T, rec *Record) {
			eq(t, "time", rec.Item.Time, time.UnixMilli(1554119421840).UTC())
			eq(t, "text", rec.Item.Text, "XuJinSheng switched to another enterprise account")
		}},
		"wxjava_doc_text.json": {1, item.Chat, "XuJinSheng", direct("XuJinSheng", "icefog"), 0, func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "这是一条引用/回复消息：\"\n------\n@nick777")
			eq(t, "time", rec.Item.Time, time.UnixMilli(1547087894783).UTC())
		}},
		"wxjava_doc_video.json": {1, item.Media, "kenshin", direct("kenshin", "wmGAgeDQAAHuRJbt4ZQI_1cqoQcf41WQ"), 1, func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "[video, 108 s, 15169724 bytes]")
			eq(t, "mp4", rec.Media[0].ContentType, "video/mp4")
			eq(t, "play-length", rec.Item.Meta["play-length"], "108")
		}},
		"wxjava_doc_voice.json": {1, item.Media, "wmGAgeDQAAdBjb8CK4ieMPRm7Cqm-9VA", direct("kenshin", "wmGAgeDQAAdBjb8CK4ieMPRm7Cqm-9VA"), 1, func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "[voice message, 10 s, 6810 bytes]")
			eq(t, "amr", [2]any{rec.Media[0].ContentType, rec.Media[0].Size}, [2]any{"audio/amr", int64(6810)})
		}},
		"wxjava_doc_voipDocShare.json": {1, item.File, "18002520162", direct("18002520162", "wo137MCgAAYW6pIiKKrDe5SlzEhSgwbA"), 1, func(t *testing.T, rec *Record) {
			eq(t, "phone-number sender stays an ID", rec.Item.From, item.Participant{ID: "18002520162"})
			eq(t, "file", [3]any{rec.Media[0].Name, rec.Media[0].ContentType, rec.Media[0].Size}, [3]any{"欢迎使用微盘.pdf.pdf", "application/pdf", int64(4400654)})
			eq(t, "voipid", rec.Item.Meta["voipid"], "gr2751c98b19300571f8afb3b74514bd32")
		}},
		"wxjava_doc_weapp.json": {1, item.Chat, "kens", direct("kens", "wmGAgeDQAAsgQetTQGqRbMxrkodpM3fA"), 0, func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "[mini program 服务须知] 开始聊天前请仔细阅读服务须知事项\n客户需同意存档聊天记录")
		}},
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		if strings.HasSuffix(name, ".md") {
			continue // FORMAT.md
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var recs []*Record
			st, err := ParseLines(f, name, Options{}, func(rec *Record) error {
				checkRecord(t, rec)
				recs = append(recs, rec)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if st.RejectedCount != 0 {
				t.Fatalf("rejected: %v", st.Rejected)
			}
			w, ok := table[name]
			if !ok {
				t.Logf("no expectations for %s: %d records, kinds %v", name, st.Records, st.Kinds)
				if st.Records == 0 {
					t.Error("no record read")
				}
				return
			}
			eq(t, "records", st.Records, w.records)
			rec := recs[0]
			eq(t, "kind", rec.Item.Kind, w.kind)
			eq(t, "from", rec.Item.From.ID, w.from)
			eq(t, "conversation", rec.Item.Conversation, w.conv)
			eq(t, "media", len(rec.Media), w.media)
			if w.check != nil {
				w.check(t, rec)
			}
		})
	}
	for name := range table {
		if !seen[name] {
			t.Errorf("sample %s is in the table but not in %s", name, dir)
		}
	}
}
