package cwmptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"time"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// CPE is a scripted CWMP client: it sends what a test tells it, over HTTP
// with Digest authentication and session cookies, and returns what the
// ACS answered, decoded.
type CPE struct {
	URL       string
	DeviceId  cwmp.DeviceIdStruct
	Namespace string // of the messages it sends; default cwmp-1-2
	// Params go into every Inform built by Inform.
	Params []cwmp.ParameterValueStruct

	Transport *http.Transport
	client    *http.Client
	digest    *digest.Client
	seq       int
}

// Reply is the ACS's answer to one POST.
type Reply struct {
	Status    int
	Header    http.Header
	Body      []byte
	Env       *cwmp.Envelope // decoded Body; nil for an empty answer
	DecodeErr error
}

// Method is the answer's RPC method, "" for an empty answer.
func (r *Reply) Method() string {
	if r.Env == nil || r.Env.Body == nil {
		return ""
	}
	return r.Env.Body.Method()
}

// Fault returns the answer's CWMP fault, if it is one.
func (r *Reply) Fault() *cwmp.Fault {
	if r.Env == nil {
		return nil
	}
	f, _ := r.Env.Body.(*cwmp.Fault)
	return f
}

// NewCPE returns a client for the ACS at acsURL; username "" sends no
// credentials.
func NewCPE(acsURL string, id cwmp.DeviceIdStruct, username, password string) *CPE {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
	c := &CPE{URL: acsURL, DeviceId: id, Namespace: cwmp.NamespaceCWMP12, Transport: tr}
	var rt http.RoundTripper = tr
	if username != "" {
		c.digest = digest.NewClient(username, password)
		rt = &digest.Transport{Client: c.digest, Base: tr}
	}
	c.client = &http.Client{Transport: rt, Timeout: 30 * time.Second}
	c.EndSession()
	return c
}

// EndSession forgets the session cookie and closes idle connections, as
// a CPE does between sessions.
func (c *CPE) EndSession() {
	jar, _ := cookiejar.New(nil)
	c.client.Jar = jar
	c.Transport.CloseIdleConnections()
}

// Inform builds an Inform with the CPE's DeviceId and Params.
func (c *CPE) Inform(events ...cwmp.EventStruct) *cwmp.Envelope {
	return &cwmp.Envelope{
		Namespace: c.Namespace,
		Body: &cwmp.Inform{
			DeviceId:      c.DeviceId,
			Event:         events,
			MaxEnvelopes:  1,
			CurrentTime:   cwmp.NewDateTime(time.Now().UTC().Truncate(time.Second)),
			ParameterList: c.Params,
		},
	}
}

// Send encodes env (giving it the CPE's namespace and a fresh cwmp:ID when
// it has none) and posts it.
func (c *CPE) Send(ctx context.Context, env *cwmp.Envelope) (*Reply, error) {
	if env.Namespace == "" {
		env.Namespace = c.Namespace
	}
	if env.Header.ID == "" {
		c.seq++
		env.Header.ID = "cpe-" + strconv.Itoa(c.seq)
	}
	b, err := cwmp.Marshal(env)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Content-Type": {`text/xml; charset="utf-8"`}, "Soapaction": {""}}
	return c.SendRaw(ctx, b, h)
}

// Answer sends body as the answer to the ACS request in r, echoing its ID.
func (c *CPE) Answer(ctx context.Context, r *Reply, body cwmp.Body) (*Reply, error) {
	return c.Send(ctx, &cwmp.Envelope{Header: cwmp.Header{ID: r.Env.Header.ID}, Body: body})
}

// SendEmpty posts an empty message: no body, no Content-Type.
func (c *CPE) SendEmpty(ctx context.Context) (*Reply, error) {
	return c.SendRaw(ctx, nil, nil)
}

// SendRaw posts body with the given headers as they are.
func (c *CPE) SendRaw(ctx context.Context, body []byte, h http.Header) (*Reply, error) {
	var rd io.Reader = http.NoBody
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the ACS's answer: %w", err)
	}
	r := &Reply{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if len(bytes.TrimSpace(data)) > 0 && resp.StatusCode == http.StatusOK {
		r.Env, r.DecodeErr = cwmp.Decode(data)
		if r.DecodeErr != nil {
			r.Env = nil
		}
	}
	return r, nil
}
