// Package exchange connects the platform to the outside: NATS JetStream for status changes
// (the outbox relay publishes through JetStream) and HTTP webhooks for subscribers. It holds
// the transports only; what to send, and when, is app's (app.Publisher, app.WebhookPoster).
package exchange

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStreamConfig says where status changes go.
type JetStreamConfig struct {
	URL    string // nats://host:4222, or several separated by commas
	Stream string // the stream's name, e.g. XINYONG
	Prefix string // the subject prefix, e.g. xinyong: messages go to xinyong.<topic>
	// Duplicates is the stream's deduplication window (JetStream drops a message whose
	// Nats-Msg-Id it saw within it); 0 = 24 hours, long enough for a relay that was down a day.
	Duplicates time.Duration
	Name       string // the client name the server shows
	// CredsFile is a NATS user credentials file (JWT and nkey seed), when the server requires
	// one; "" connects without.
	CredsFile string
}

// JetStream publishes outbox messages to one stream. It implements app.Publisher.
type JetStream struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	prefix string
}

// DialJetStream connects to NATS and creates or updates the stream (subjects prefix.>).
// It fails at once when no server answers: the caller keeps its messages and tries later.
func DialJetStream(ctx context.Context, c JetStreamConfig) (*JetStream, error) {
	if c.URL == "" || c.Stream == "" || c.Prefix == "" {
		return nil, errors.New("NATS 地址、流名称和主题前缀均须配置 / NATS URL, stream and prefix are required")
	}
	if c.Duplicates == 0 {
		c.Duplicates = 24 * time.Hour
	}
	opts := []nats.Option{nats.Name(c.Name), nats.Timeout(5 * time.Second), nats.MaxReconnects(-1), nats.ReconnectWait(2 * time.Second)}
	if c.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	}
	nc, err := nats.Connect(c.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(256), jetstream.WithPublishAsyncTimeout(30*time.Second))
	if err != nil {
		nc.Close()
		return nil, err
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: c.Stream, Subjects: []string{c.Prefix + ".>"},
		Storage: jetstream.FileStorage, Duplicates: c.Duplicates,
		Description: "Xinyong status changes (信用状态变更)"})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("ensure stream %s: %w", c.Stream, err)
	}
	return &JetStream{nc: nc, js: js, prefix: c.Prefix}, nil
}

// Publish sends body to prefix.topic with Nats-Msg-Id msgID and waits for the stream's
// acknowledgement: only then is the message stored. duplicate is true when JetStream had it
// already (a relay that crashed after publishing and before marking it sent).
func (j *JetStream) Publish(ctx context.Context, msgID, topic string, body []byte) (seq uint64, duplicate bool, err error) {
	if topic == "" || strings.ContainsAny(topic, " \t\r\n*>") {
		return 0, false, fmt.Errorf("%w %q", errBadTopic, topic)
	}
	m := nats.NewMsg(j.prefix + "." + topic)
	m.Data = body
	m.Header.Set(jetstream.MsgIDHeader, msgID)
	m.Header.Set("Content-Type", "application/json")
	ack, err := j.js.PublishMsg(ctx, m)
	if err != nil {
		return 0, false, err
	}
	return ack.Sequence, ack.Duplicate, nil
}

// Connected reports whether the connection is up (it reconnects by itself).
func (j *JetStream) Connected() bool { return j.nc.IsConnected() }

// Close drains nothing (every publish waited for its acknowledgement) and closes.
func (j *JetStream) Close() { j.nc.Close() }

// DeleteStream removes a stream: for tests, which make one per test.
func DeleteStream(ctx context.Context, url, stream string) error {
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	return js.DeleteStream(ctx, stream)
}

// StreamMessages returns how many messages a stream holds: for tests and `xinyong outbox status`.
func StreamMessages(ctx context.Context, url, stream string) (uint64, error) {
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 0, err
	}
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// Message is one message of a batch.
type Message struct {
	ID, Topic string
	Body      []byte
}

// Ack is the stream's answer to one message of a batch.
type Ack struct {
	Seq       uint64
	Duplicate bool
	Err       error
}

// PublishBatch publishes msgs without waiting for each acknowledgement in turn (JetStream's
// asynchronous publish, up to 256 in flight) and returns one Ack per message, in order, once
// every message is acknowledged or has failed. The stream stores them in the order sent.
func (j *JetStream) PublishBatch(ctx context.Context, msgs []Message) []Ack {
	acks := make([]Ack, len(msgs))
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		if m.Topic == "" || strings.ContainsAny(m.Topic, " \t\r\n*>") {
			acks[i].Err = fmt.Errorf("%w %q", errBadTopic, m.Topic)
			continue
		}
		nm := nats.NewMsg(j.prefix + "." + m.Topic)
		nm.Data = m.Body
		nm.Header.Set(jetstream.MsgIDHeader, m.ID)
		nm.Header.Set("Content-Type", "application/json")
		f, err := j.js.PublishMsgAsync(nm)
		if err != nil {
			acks[i].Err = err
			continue
		}
		futures[i] = f
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case a := <-f.Ok():
			acks[i] = Ack{Seq: a.Sequence, Duplicate: a.Duplicate}
		case err := <-f.Err():
			acks[i].Err = err
		case <-ctx.Done():
			acks[i].Err = ctx.Err()
		}
	}
	return acks
}

// errBadTopic is a topic that cannot be a NATS subject.
var errBadTopic = errors.New("invalid topic")

// Permanent reports whether a publish error is the broker refusing the message itself (an
// error answer of the JetStream API, a payload over the server's limit, a bad subject), as
// opposed to a broker that is down or unreachable, which the relay simply waits out.
func Permanent(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) || errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrBadSubject) || errors.Is(err, errBadTopic)
}
