package search_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/search"
	"github.com/custos-archive/custos/search/kql"
	"github.com/custos-archive/custos/store"
)

func engine(t *testing.T, items ...*item.Item) *search.Engine {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.PutUser(ctx, store.User{Email: "alice@corp.example", Name: "Alice"})
	st.PutUser(ctx, store.User{Email: "bob@corp.example", Name: "Bob"})
	norm, _ := usermap.NewNormalizer("US")
	p, _ := archive.New(st, archive.Options{Normalizer: norm})
	rep, err := p.ArchiveItems(ctx, items, "", archive.Mapping{Auto: true})
	if err != nil || rep.Failed > 0 {
		t.Fatalf("archiving: %v %+v", err, rep)
	}
	return search.New(st, norm)
}

func msg(id, text string, from item.Participant) *item.Item {
	return &item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: id, Conversation: item.Conversation{ID: "c"},
		From: from, To: []item.Participant{{Name: "Alice", Email: "alice@corp.example"}},
		Time: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Text: text}
}

func TestFindsWhatPeopleType(t *testing.T) {
	dana := item.Participant{Name: "Dana Lee", Phone: "+12025550188"}
	e := engine(t,
		msg("zh", "合同已经签好了，明天发货。", dana),
		msg("ar", "تم توقيع عقد البيع اليوم", dana),
		msg("fr", "Le café est prêt pour la réunion", dana),
		msg("en", "Send the updated price list", item.Participant{Name: "Bob", Phone: "+447700900123", Email: "bob@corp.example"}),
	)
	for _, tc := range []struct {
		q    string
		want string // source ids, comma-separated, newest first (all have the same time: by copy)
	}{
		{"合同", "zh"}, {"发货", "zh"}, {"签好", "zh"}, {"已经签", "zh"}, {"明", "zh"}, {"同已", "zh"}, {"好了明", ""},
		{"عقد", "ar"}, {"البيع", "ar"},
		{"cafe", "fr"}, {"CAFÉ", "fr"}, {"reunion", "fr"}, {"caf*", "fr"},
		{"from:\"+1 202-555-0188\"", "ar,fr,zh"}, {"from:12025550188", "ar,fr,zh"}, {"from:\"(202) 555-0188\"", "ar,fr,zh"},
		{"from:2025550188", "ar,fr,zh"}, {"participants:\"+44 7700 900123\"", "en"}, {"from:bob@corp.example", "en"},
		{"from:dana to:alice -cafe", "ar,zh"}, {"price NEAR(0) list", "en"}, {"send NEAR(1) price", ""}, {"send NEAR(2) price", "en"},
	} {
		res, err := e.Search(context.Background(), search.Request{Query: tc.q})
		if err != nil {
			t.Errorf("%q: %v", tc.q, err)
			continue
		}
		var ids []string
		seen := map[string]bool{}
		for _, h := range res.Hits {
			if !seen[h.SourceID] {
				ids = append(ids, h.SourceID)
				seen[h.SourceID] = true
			}
		}
		if got := strings.Join(sortStrings(ids), ","); got != tc.want {
			t.Errorf("%q found %q, want %q (%s)", tc.q, got, tc.want, res.Explain)
		}
	}
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestResultShape(t *testing.T) {
	e := engine(t, msg("a", "the price is right", item.Participant{Name: "Bob", Email: "bob@corp.example"}),
		msg("b", "no match here", item.Participant{Name: "Bob", Email: "bob@corp.example"}))
	res, err := e.Search(context.Background(), search.Request{Query: "price", Stats: true})
	if err != nil {
		t.Fatal(err)
	}
	// One item filed in two mailboxes: two hits, one per mailbox.
	if res.Total != 2 || len(res.Hits) != 2 || res.ByMailbox["alice@corp.example"] != 1 || res.ByMailbox["bob@corp.example"] != 1 ||
		res.BySource["whatsapp"] != 2 {
		t.Fatalf("result %+v", res)
	}
	if res.Hits[0].Snippet != "the **price** is right" || res.Hits[0].Folder != "WhatsApp Archiver" {
		t.Fatalf("hit %+v", res.Hits[0])
	}
	res, _ = e.Search(context.Background(), search.Request{Query: "price", Mailboxes: []string{"bob@corp.example"}})
	if res.Total != 1 || res.Hits[0].Mailbox != "bob@corp.example" {
		t.Fatalf("scoped to bob: %+v", res)
	}
	res, _ = e.Search(context.Background(), search.Request{Query: "price", Limit: 1, Offset: 1})
	if res.Total != 2 || len(res.Hits) != 1 {
		t.Fatalf("second page: %+v", res)
	}
}

func TestQueryErrors(t *testing.T) {
	e := engine(t)
	for _, tc := range []struct{ q, want string }{
		{`price "unclosed`, "column 7: unclosed quote"},
		{`from:`, "column"},
		{`price AND (deal`, "column"},
		{`colour:red`, "column 1"},
		{`sent:2026-13-45`, "column"},
		{`"!!!"`, "column"},
	} {
		_, err := e.Search(context.Background(), search.Request{Query: tc.q})
		var ke *kql.Error
		var se *search.Error
		if err == nil || !(errors.As(err, &ke) || errors.As(err, &se)) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want a positioned error containing %q", tc.q, err, tc.want)
		}
	}
}
