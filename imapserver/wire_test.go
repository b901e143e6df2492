package imapserver

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
)

// Only the tagged answer to a remembered command is rewritten: a message
// body that holds the same line, written a byte at a time, passes unchanged.
func TestWireRewritesOnlyTaggedAnswers(t *testing.T) {
	client, server := net.Pipe()
	w := &wireConn{Conn: server, cur: server}
	go func() {
		// (go-imap answers in order; the order here is to put the SELECT's
		// answer in a body.)
		w.observe([]byte("b FETCH 1 BODY[]\r\na SELECT x\r\nc FETCH abc FLAGS\r\n"))
		body := "a OK [READ-WRITE] SELECT completed\r\nc NO [SERVERBUG] Internal server error\r\n"
		out := "* 1 FETCH (BODY[] {" + strconv.Itoa(len(body)) + "}\r\n" + body + ")\r\n" +
			"a OK [READ-WRITE] SELECT completed\r\nb OK FETCH completed\r\nc NO [SERVERBUG] Internal server error\r\n"
		for i := 0; i < len(out); i++ {
			w.Write([]byte{out[i]})
		}
		server.Close()
	}()
	got, _ := io.ReadAll(client)
	body := "a OK [READ-WRITE] SELECT completed\r\nc NO [SERVERBUG] Internal server error\r\n"
	if !bytes.Contains(got, []byte("{"+strconv.Itoa(len(body))+"}\r\n"+body+")\r\n")) {
		t.Errorf("the body was changed:\n%s", got)
	}
	if !bytes.Contains(got, []byte(")\r\na OK [READ-ONLY] SELECT completed\r\n")) ||
		!bytes.Contains(got, []byte("\r\nc BAD [CLIENTBUG] FETCH: \"abc\" is not a message set")) {
		t.Errorf("the tagged answers were not rewritten:\n%s", got)
	}
}
