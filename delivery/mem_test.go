package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"sync"

	. "github.com/custos-archive/custos/delivery"
)

// memSink is an in-memory sink for the runner's tests, with faults to
// inject.
type memSink struct {
	mu      sync.Mutex
	folders map[string][][]byte // mailbox/folder → messages
	ids     map[string]bool     // mailbox/folder/message-id
	// failNext makes the next n Deliver calls fail before appending;
	// lostReply makes the next n append and then fail (the reply is lost).
	failNext, lostReply int
	down                bool
	delivers            int
}

func newMemSink() *memSink {
	return &memSink{folders: map[string][][]byte{}, ids: map[string]bool{}}
}

func (s *memSink) Target() string { return "mem://" }
func (s *memSink) Close() error   { return nil }

func (s *memSink) Has(ctx context.Context, m Message) (bool, uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return false, 0, ErrUnavailable
	}
	return s.ids[m.Mailbox+"/"+m.Folder+"/"+m.MessageID], 0, nil
}

func (s *memSink) Deliver(ctx context.Context, m Message) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivers++
	if s.down {
		return 0, ErrUnavailable
	}
	if s.failNext > 0 {
		s.failNext--
		return 0, errors.New("NO [OVERQUOTA] injected")
	}
	var b bytes.Buffer
	if err := m.WriteTo(&b); err != nil {
		return 0, err
	}
	k := m.Mailbox + "/" + m.Folder
	s.folders[k] = append(s.folders[k], b.Bytes())
	s.ids[k+"/"+m.MessageID] = true
	if s.lostReply > 0 {
		s.lostReply--
		return 0, errors.New("connection reset after the APPEND (injected)")
	}
	return uint32(len(s.folders[k])), nil
}

func (s *memSink) read(mailbox, folder string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.folders[mailbox+"/"+folder]...)
}
