package smsbackup

import (
	"bytes"
	"os"
	"regexp"
	"testing"

	"github.com/custos-archive/custos/item"
)

// elementRE finds the start tags of <sms>, <mms> and <call> in a backup,
// independently of the parser: inside attribute values "<" is always
// escaped, so every match is an element.
var elementRE = regexp.MustCompile(`<(sms|mms|call)[\s/>]`)

// countElements counts the <sms>, <mms> and <call> elements of data.
func countElements(data []byte) (n int) {
	return len(elementRE.FindAll(data, -1))
}

// parseBytes parses data as the file name with the owner's number and
// returns the items emitted, checking that each passes Validate.
func parseBytes(t testing.TB, data []byte, name, owner string) ([]*item.Item, Stats, error) {
	t.Helper()
	var items []*item.Item
	st, err := Parse(bytes.NewReader(data), name, Options{Owner: item.Participant{Phone: owner, Name: "Owner"}}, func(it *item.Item) error {
		if verr := it.Validate(); verr != nil {
			t.Errorf("%s: emitted item %s does not validate: %v", name, it.SourceID, verr)
		}
		items = append(items, it)
		return nil
	})
	return items, st, err
}

// parseFile parses the file at path.
func parseFile(t testing.TB, path, name, owner string) ([]*item.Item, Stats, error, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	items, st, perr := parseBytes(t, data, name, owner)
	return items, st, perr, data
}

// checkAccounting checks that every <sms>, <mms> and <call> of data is
// accounted for in st, and that the kinds of items match the counts.
func checkAccounting(t *testing.T, data []byte, items []*item.Item, st Stats) {
	t.Helper()
	if n := countElements(data); st.Elements() != n {
		t.Errorf("accounted for %d elements (%d emitted + %d duplicates + %d rejected + %d unfinished), the file has %d",
			st.Elements(), st.Items(), st.Duplicates, st.RejectedCount, st.Unfinished, n)
	}
	if len(items) != st.Items() {
		t.Errorf("emitted %d items, Stats says %d", len(items), st.Items())
	}
	kinds := map[item.Kind]int{}
	for _, it := range items {
		kinds[it.Kind]++
	}
	if kinds[item.SMS] != st.SMS || kinds[item.MMS] != st.MMS || kinds[item.CallLog] != st.Calls {
		t.Errorf("kinds emitted %v, Stats says sms %d mms %d calls %d", kinds, st.SMS, st.MMS, st.Calls)
	}
	if st.RejectedCount != len(st.Rejected) && len(st.Rejected) != MaxRejected {
		t.Errorf("RejectedCount %d but %d listed", st.RejectedCount, len(st.Rejected))
	}
}

// find returns the first item whose text contains s.
func find(t *testing.T, items []*item.Item, text string) *item.Item {
	t.Helper()
	for _, it := range items {
		if bytes.Contains([]byte(it.Text), []byte(text)) {
			return it
		}
	}
	t.Fatalf("no item with text %q", text)
	return nil
}
