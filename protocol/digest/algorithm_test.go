package digest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// RFC 2617 §3.5: the one worked example the RFC prints.
var rfc2617 = ResponseInput{
	Algorithm: MD5,
	Username:  "Mufasa",
	Realm:     "testrealm@host.com",
	Password:  "Circle Of Life",
	Method:    "GET",
	URI:       "/dir/index.html",
	Nonce:     "dcd98b7102dd2f0e8b11d0f600bfb0c093",
	NC:        "00000001",
	Cnonce:    "0a4f113b",
	Qop:       "auth",
}

func TestResponseRFC2617Example(t *testing.T) {
	if got, want := Response(rfc2617), "6629fae49393a05397450978507c4ef1"; got != want {
		t.Fatalf("response = %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(HA1(MD5, "Mufasa", "testrealm@host.com", "Circle Of Life")),
		"939e7578ed9e3c518a452acee763bce9"; got != want {
		t.Fatalf("HA1 = %s, want %s", got, want)
	}
}

// The same example answered by Client, with its cnonce pinned: checks the
// whole client path (challenge parsing, state, header formatting).
func TestClientRFC2617Example(t *testing.T) {
	c := NewClient("Mufasa", "Circle Of Life")
	c.cnonce = func() string { return "0a4f113b" }
	resp := &http.Response{
		StatusCode: http.StatusUnauthorized,
		Header: http.Header{"Www-Authenticate": {`Digest realm="testrealm@host.com", qop="auth,auth-int", ` +
			`nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`}},
		Request: httptest.NewRequest("GET", "http://www.nowhere.org/dir/index.html", nil),
	}
	if retry, err := c.Handle(resp); !retry || err != nil {
		t.Fatalf("Handle = %v, %v; want retry", retry, err)
	}
	req := httptest.NewRequest("GET", "http://www.nowhere.org/dir/index.html", nil)
	if err := c.Authorize(req); err != nil {
		t.Fatal(err)
	}
	a, err := ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	want := Authorization{
		Username: "Mufasa", Realm: "testrealm@host.com", Nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		URI: "/dir/index.html", Qop: "auth", NC: "00000001", Cnonce: "0a4f113b",
		Response: "6629fae49393a05397450978507c4ef1", Opaque: "5ccc069c403ebaf9f0171e9517f40e41",
	}
	if a != want {
		t.Fatalf("authorization\n got %+v\nwant %+v", a, want)
	}
}

// MD5-sess has no printed example in RFC 2617, so this derives one from the
// formula of §3.2.2.2 with crypto/md5 directly, step by step:
//
//	HA1      = MD5(MD5("Mufasa:testrealm@host.com:Circle Of Life") ":" nonce ":" cnonce)
//	         = MD5("939e7578ed9e3c518a452acee763bce9:dcd98b7102dd2f0e8b11d0f600bfb0c093:0a4f113b")
//	         = 5edb191b66dce1584c16cb7e7346fcee
//	HA2      = MD5("GET:/dir/index.html") = 39aff3a2bab6126f332b942af96d3366
//	response = MD5(HA1 ":" nonce ":00000001:0a4f113b:auth:" HA2)
//	         = 8e3825c57e897f5a0dec6c2d4e5059d0
//
// The literal values were cross-checked with Python's hashlib.
func TestResponseMD5SessDerived(t *testing.T) {
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	in := rfc2617
	in.Algorithm = MD5Sess
	ha1 := h(h(in.Username+":"+in.Realm+":"+in.Password) + ":" + in.Nonce + ":" + in.Cnonce)
	if ha1 != "5edb191b66dce1584c16cb7e7346fcee" {
		t.Fatalf("session HA1 = %s", ha1)
	}
	ha2 := h(in.Method + ":" + in.URI)
	want := h(fmt.Sprintf("%s:%s:%s:%s:%s:%s", ha1, in.Nonce, in.NC, in.Cnonce, in.Qop, ha2))
	if want != "8e3825c57e897f5a0dec6c2d4e5059d0" {
		t.Fatalf("derived response = %s", want)
	}
	if got := Response(in); got != want {
		t.Fatalf("Response = %s, want %s", got, want)
	}
}

// RFC 7616 §3.9.1 prints the same request answered with MD5 and SHA-256.
func TestResponseRFC7616Examples(t *testing.T) {
	in := ResponseInput{
		Username: "Mufasa", Realm: "http-auth@example.org", Password: "Circle of Life",
		Method: "GET", URI: "/dir/index.html", Nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
		NC: "00000001", Cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", Qop: "auth",
	}
	for alg, want := range map[Algorithm]string{
		MD5:    "8ca523f5e9506fed4657c9700eebdbec",
		SHA256: "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
	} {
		in.Algorithm = alg
		if got := Response(in); got != want {
			t.Errorf("%s: response = %s, want %s", alg, got, want)
		}
	}
}

// RFC 2069 (no qop): response = MD5(HA1 ":" nonce ":" HA2), derived by hand
// from the RFC 2617 example's HA1 and HA2 above.
func TestResponseWithoutQop(t *testing.T) {
	in := rfc2617
	in.Qop, in.NC, in.Cnonce = "", "", ""
	sum := md5.Sum([]byte("939e7578ed9e3c518a452acee763bce9:" + in.Nonce + ":39aff3a2bab6126f332b942af96d3366"))
	want := hex.EncodeToString(sum[:])
	if want != "670fd8c2df070c60b045671b8b24ff02" {
		t.Fatalf("derived = %s", want)
	}
	if got := Response(in); got != want {
		t.Fatalf("Response = %s, want %s", got, want)
	}
}

func TestParseAlgorithm(t *testing.T) {
	for name, want := range map[string]Algorithm{
		"": MD5, "md5": MD5, "MD5": MD5, "md5-SESS": MD5Sess, "sha-256": SHA256, "SHA-256-sess": SHA256Sess,
	} {
		got, err := ParseAlgorithm(name)
		if err != nil || got != want {
			t.Errorf("ParseAlgorithm(%q) = %v, %v; want %v", name, got, err, want)
		}
		if name != "" && got.String() == "" {
			t.Errorf("%v has no name", got)
		}
	}
	for _, bad := range []string{"SHA-512-256", "MD5 ", "sha256"} {
		if _, err := ParseAlgorithm(bad); err == nil {
			t.Errorf("ParseAlgorithm(%q) accepted", bad)
		}
	}
	for _, a := range []Algorithm{MD5, MD5Sess, SHA256, SHA256Sess} {
		back, err := ParseAlgorithm(a.String())
		if err != nil || back != a {
			t.Errorf("round trip of %v gave %v, %v", a, back, err)
		}
		if got := len(HA1(a, "u", "r", "p")); got != a.Size() {
			t.Errorf("HA1 for %v has %d bytes, want %d", a, got, a.Size())
		}
	}
}
