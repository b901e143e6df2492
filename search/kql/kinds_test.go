package kql

import (
	"testing"

	"github.com/custos-archive/custos/item"
)

// TestKindValues checks kind: and source: against the item model: every
// kind and source resolves to real ones, and every item kind and source can
// be searched for by its own name.
func TestKindValues(t *testing.T) {
	byName := map[string]kindValue{}
	for _, k := range kindValues {
		byName[k.name] = k
		for _, kk := range k.kinds {
			if _, err := item.ParseKind(string(kk)); err != nil {
				t.Errorf("kind:%s: %v", k.name, err)
			}
		}
		for _, s := range k.sources {
			if _, err := item.ParseSource(string(s)); err != nil {
				t.Errorf("kind:%s: %v", k.name, err)
			}
		}
	}
	for _, k := range item.Kinds {
		v, ok := byName[string(k)]
		if !ok {
			t.Errorf("item kind %q has no kind: value", k)
			continue
		}
		if len(v.sources) > 0 || len(v.kinds) == 0 || v.kinds[0] != k {
			t.Errorf("kind:%s does not match items of kind %s first", k, k)
		}
	}
	for _, s := range item.Sources {
		v, ok := byName[string(s)]
		if !ok || len(v.kinds) > 0 || len(v.sources) != 1 || v.sources[0] != s {
			t.Errorf("kind:%s does not match the items of source %s", s, s)
		}
		n, err := Parse("source:"+string(s), Options{})
		if err != nil {
			t.Errorf("source:%s: %v", s, err)
			continue
		}
		if k := n.(*Kind); len(k.Sources) != 1 || k.Sources[0] != s || len(k.Kinds) != 0 {
			t.Errorf("source:%s = %s", s, n)
		}
	}
}

// TestKindNotShared checks that two parses do not share the slices of a
// Kind node, which callers may change.
func TestKindNotShared(t *testing.T) {
	a, _ := Parse("kind:call", Options{})
	a.(*Kind).Kinds[0] = "x"
	b, _ := Parse("kind:call", Options{})
	if got := b.String(); got != "(kind call call_log voice_recording)" {
		t.Errorf("second parse: %s", got)
	}
}
