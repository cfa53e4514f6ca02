package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// poster is one keep-alive HTTP/1.1 connection of the load generator. It writes requests
// built once beforehand and reads just enough of each answer (status, length, body) to know
// it arrived whole: net/http's client spent 50–67 µs of CPU per check on the two cores the
// server shares with it (its per-connection goroutines, header maps and channels), a fifth of
// what the server spends. A load generator should cost the machine as little as it can, as
// wrk and similar tools do, so the figures are the server's.
type poster struct {
	addr string
	conn net.Conn
	r    *bufio.Reader
}

// requestBytes builds the POST requests for bodies, once.
func requestBytes(rawURL, token string, bodies [][]byte) (addr string, reqs [][]byte, err error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", nil, fmt.Errorf("load: want an http:// URL, got %q", rawURL)
	}
	path := u.RequestURI()
	reqs = make([][]byte, len(bodies))
	for i, b := range bodies {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
			path, u.Host, token, len(b))
		buf.Write(b)
		reqs[i] = buf.Bytes()
	}
	return u.Host, reqs, nil
}

// do sends req and reads its answer; it reconnects when the last connection was closed.
func (p *poster) do(ctx context.Context, req []byte) error {
	if p.conn == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", p.addr)
		if err != nil {
			return err
		}
		p.conn = c
		if p.r == nil {
			p.r = bufio.NewReaderSize(c, 16<<10)
		} else {
			p.r.Reset(c)
		}
	}
	_ = p.conn.SetDeadline(time.Now().Add(30 * time.Second))
	status, keep, err := p.exchange(req)
	if err != nil || !keep {
		p.conn.Close()
		p.conn = nil
	}
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("status %d", status)
	}
	return nil
}

// exchange writes req and reads one response: its status, and whether the connection stays
// open for the next.
func (p *poster) exchange(req []byte) (status int, keep bool, err error) {
	if _, err = p.conn.Write(req); err != nil {
		return 0, false, err
	}
	line, err := p.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	keep = line[7] == '1'
	for {
		h, err := p.r.ReadSlice('\n')
		if err != nil {
			return status, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil || length < 0 {
				return status, false, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			if bytes.EqualFold(v, []byte("close")) {
				keep = false
			}
		}
	}
	switch {
	case chunked:
		return status, keep, p.skipChunks()
	case length >= 0:
		_, err = p.r.Discard(length)
		return status, keep, err
	}
	// Neither: the body runs to the end of the connection.
	_, err = io.Copy(io.Discard, p.r)
	return status, false, err
}

// skipChunks reads a chunked body to its end.
func (p *poster) skipChunks() error {
	for {
		line, err := p.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the empty line
				t, err := p.r.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := p.r.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}
