package smsbackup

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
)

// keyHash builds a content key: the SHA-256 of length-prefixed fields, so
// that no two different lists of fields hash the same input.
type keyHash struct{ h hash.Hash }

func newKey(kind, owner string) *keyHash {
	k := &keyHash{sha256.New()}
	k.add(kind)
	k.add(owner)
	return k
}

func (k *keyHash) add(fields ...string) {
	var n [binary.MaxVarintLen64]byte
	for _, f := range fields {
		k.h.Write(n[:binary.PutUvarint(n[:], uint64(len(f)))])
		k.h.Write([]byte(f))
	}
}

// id returns the SourceID: prefix, "-" and the hex key.
func (k *keyHash) id(prefix string) string {
	return prefix + "-" + hex.EncodeToString(k.h.Sum(nil))
}

// window remembers the last n keys added, to skip repeats. It grows as
// keys come, so a small file costs little.
type window struct {
	n    int
	seen map[string]struct{}
	ring []string
	next int
}

func newWindow(n int) *window {
	return &window{n: n, seen: map[string]struct{}{}}
}

// add records k and reports whether it was new within the window.
func (w *window) add(k string) bool {
	if _, ok := w.seen[k]; ok {
		return false
	}
	if len(w.ring) < w.n {
		w.ring = append(w.ring, k)
	} else {
		delete(w.seen, w.ring[w.next])
		w.ring[w.next] = k
		w.next = (w.next + 1) % w.n
	}
	w.seen[k] = struct{}{}
	return true
}
