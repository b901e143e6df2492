package imapserver

import (
	"sort"
	"time"

	"github.com/emersion/go-imap/v2"
	goimap "github.com/emersion/go-imap/v2/imapserver"
)

// msgRef is a message of the selected folder as the client knows it.
type msgRef struct {
	seq uint32
	uid uint32
}

// inRanges reports whether n is in one of the ranges, where 0 stands for
// "*", the largest number in use (max).
func inRange(start, stop, n, max uint32) bool {
	if start == 0 {
		start = max
	}
	if stop == 0 {
		stop = max
	}
	if start > stop {
		start, stop = stop, start
	}
	return n >= start && n <= stop
}

func inSeqSet(set imap.SeqSet, seq, max uint32) bool {
	for _, r := range set {
		if inRange(r.Start, r.Stop, seq, max) {
			return true
		}
	}
	return false
}

func inUIDSet(set imap.UIDSet, uid, max uint32) bool {
	for _, r := range set {
		if inRange(uint32(r.Start), uint32(r.Stop), uid, max) {
			return true
		}
	}
	return false
}

// resolve returns the messages a sequence or UID set names, in sequence
// order. A UID set with "*" names the highest UID even when the range's
// other end is above it (RFC 9051 6.4.8); UIDs not in the folder are
// ignored.
func (sel *selected) resolve(numSet imap.NumSet) []msgRef {
	n := uint32(len(sel.uids))
	if n == 0 {
		return nil
	}
	var out []msgRef
	switch set := numSet.(type) {
	case imap.SeqSet:
		for i, u := range sel.uids {
			if inSeqSet(set, uint32(i)+1, n) {
				out = append(out, msgRef{uint32(i) + 1, u})
			}
		}
	case imap.UIDSet:
		if imap.IsSearchRes(set) {
			return nil // SEARCHRES is not offered
		}
		maxUID := sel.uids[n-1]
		// Walk the ranges, not every UID, when the set is small and the
		// folder large.
		for _, r := range set {
			lo, hi := uint32(r.Start), uint32(r.Stop)
			if lo == 0 {
				lo = maxUID
			}
			if hi == 0 {
				hi = maxUID
			}
			if lo > hi {
				lo, hi = hi, lo
			}
			i := sort.Search(len(sel.uids), func(i int) bool { return sel.uids[i] >= lo })
			for ; i < len(sel.uids) && sel.uids[i] <= hi; i++ {
				out = append(out, msgRef{uint32(i) + 1, sel.uids[i]})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
		out = dedupe(out)
	}
	return out
}

func dedupe(rs []msgRef) []msgRef {
	if len(rs) < 2 {
		return rs
	}
	k := 1
	for i := 1; i < len(rs); i++ {
		if rs[i].seq != rs[k-1].seq {
			rs[k] = rs[i]
			k++
		}
	}
	return rs[:k]
}

// refresh brings the client's view up to date with the store: EXPUNGE for
// copies gone (when allowed; otherwise later), EXISTS for copies filed
// since. It checks at most once per poll interval unless force is set.
func (s *session) refresh(w *goimap.UpdateWriter, allowExpunge, force bool) error {
	sel := s.sel
	if sel == nil || sel.folder.ID == 0 {
		return nil
	}
	if !force && !sel.stale && time.Since(sel.checked) < s.srv.cfg.PollInterval {
		return nil
	}
	sel.checked = time.Now()
	mark, err := s.srv.st.FolderMark(s.ctx, sel.folder.ID)
	if err != nil {
		return s.internal("checking a folder", err)
	}
	if mark == sel.mark && !(sel.stale && allowExpunge) {
		return nil
	}
	uids, err := s.srv.st.FolderUIDs(s.ctx, sel.folder.ID)
	if err != nil {
		return s.internal("checking a folder", err)
	}
	present := make(map[uint32]bool, len(uids))
	for _, u := range uids {
		present[u] = true
	}
	var last uint32
	if n := len(sel.uids); n > 0 {
		last = sel.uids[n-1]
	}
	gone := false
	for _, u := range sel.uids {
		if !present[u] {
			gone = true
			break
		}
	}
	if gone && allowExpunge {
		// From the highest sequence number down, so the numbers stay right.
		for i := len(sel.uids) - 1; i >= 0; i-- {
			if present[sel.uids[i]] {
				continue
			}
			if err := w.WriteExpunge(uint32(i) + 1); err != nil {
				return err
			}
			sel.uids = append(sel.uids[:i], sel.uids[i+1:]...)
		}
		gone = false
	}
	sel.stale = gone
	added := 0
	for _, u := range uids {
		if u > last {
			sel.uids = append(sel.uids, u)
			added++
		}
	}
	if added > 0 {
		if err := w.WriteNumMessages(uint32(len(sel.uids))); err != nil {
			return err
		}
	}
	sel.mark = mark
	return nil
}

func (s *session) Poll(w *goimap.UpdateWriter, allowExpunge bool) error {
	return s.refresh(w, allowExpunge, false)
}

// Idle checks the selected folder every poll interval and tells the client
// of new (and removed) items as they come.
func (s *session) Idle(w *goimap.UpdateWriter, stop <-chan struct{}) error {
	t := time.NewTicker(s.srv.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := s.refresh(w, true, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-s.ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
