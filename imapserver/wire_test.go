package imapserver

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
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

// recordConn is a net.Conn that keeps what is written to it.
type recordConn struct {
	net.Conn
	out bytes.Buffer
}

func (r *recordConn) Write(p []byte) (int, error) { return r.out.Write(p) }

// FuzzWire feeds arbitrary client bytes and arbitrary server output
// through wireConn, the latter once whole and once cut where the fuzzer
// says, and wants: no panic; the same bytes out however the output was
// cut into writes; a literal's bytes passed unchanged; and the syntax
// check of every command line answered without a panic.
//
//	go test ./imapserver -run '^$' -fuzz FuzzWire -fuzztime 60s
func FuzzWire(f *testing.F) {
	f.Add([]byte("a SELECT x\r\nc FETCH abc FLAGS\r\nd SEARCH TEXT {3}\r\nabc\r\n"),
		[]byte("* 1 FETCH (BODY[] {5}\r\nhello)\r\na OK [READ-WRITE] SELECT completed\r\nc NO [SERVERBUG] Internal server error\r\nd OK done\r\n"),
		[]byte{1, 7, 3}, []byte("a OK [READ-WRITE] x\r\n"))
	f.Add([]byte("t1 STATUS \"a&b\" (MESSAGES)\r\nt2 SEARCH SINCE 31-Foo-2026\r\n"),
		[]byte("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nt1 NO [SERVERBUG] Internal server error\r\nt2 NO [SERVERBUG] Internal server error\r\n"),
		[]byte{200, 1}, []byte{0, '\r', '\n', '{', '9', '}'})
	// A tagged answer longer than a held line, then another with its tag.
	f.Add([]byte("a SELECT x\r\n"), []byte("a OK "+strings.Repeat("x", 600)+"\r\na OK [READ-WRITE] SELECT completed\r\n"), []byte{255, 255, 50}, []byte{})
	f.Fuzz(func(t *testing.T, in, out, cuts, body []byte) {
		for _, l := range bytes.Split(in, []byte("\n")) {
			diagnose(string(l))
		}
		run := func(chunks [][]byte) []byte {
			rc := &recordConn{}
			w := &wireConn{Conn: rc, cur: rc}
			w.observe(in)
			for _, c := range chunks {
				w.Write(c)
			}
			return rc.out.Bytes()
		}
		lit := []byte("* 9 FETCH (BODY[] {" + strconv.Itoa(len(body)) + "}\r\n")
		all := append(append(append(append([]byte{}, out...), "\r\n"...), lit...), body...)
		all = append(all, ")\r\n"...)
		whole := run([][]byte{all})
		var chunks [][]byte
		rest := all
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if i < len(cuts) {
				n = min(n, int(cuts[i])+1)
			}
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		if cut := run(chunks); !bytes.Equal(cut, whole) {
			t.Fatalf("written in %d pieces the output differs from written whole:\n%q\n%q", len(chunks), cut, whole)
		}
		if !bytes.HasSuffix(whole, append(append(append([]byte{}, lit...), body...), ")\r\n"...)) {
			t.Fatalf("the literal was changed:\n%q", whole)
		}
	})
}
