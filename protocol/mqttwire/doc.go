// Package mqttwire is the MQTT lane between the ACS and its agents: topic
// names, payloads, the signed push bundle and the checks an agent makes
// before it acts on a message. It imports neither program; both sides use
// it, so what is written here is the contract.
//
// CWMP stays the source of truth. MQTT only wakes a device (connection
// request), fans one change out to many devices (push), carries telemetry
// and tells who is online. Whatever an agent misses here it gets at its
// next CWMP session, because the ACS reconciles desired state at Inform.
//
// # Topics
//
// Every topic starts with the version prefix "gw/v1/"; a future
// incompatible layout gets a new prefix and both can run side by side.
// DEV is a device ID (OUI-ProductClass-Serial, percent-escaped, so it never
// holds '/', '+' or '#'); GROUP is a device tag (letters, digits, _ - . :).
//
//	topic                    from   retained  QoS  payload
//	gw/v1/d/DEV/cr           ACS    no        1    ConnectionRequest
//	gw/v1/d/DEV/push         ACS    no        1    Push (bundle or key rotation)
//	gw/v1/d/DEV/groups       ACS    yes       1    Groups
//	gw/v1/g/GROUP/push       ACS    no        1    Push
//	gw/v1/fleet/push         ACS    yes*      1    Push (*key rotations only)
//	gw/v1/d/DEV/ack          agent  no        1    Ack
//	gw/v1/d/DEV/telemetry    agent  no        0    Telemetry
//	gw/v1/d/DEV/state        agent  yes       1    State (also the last will)
//
// Access rules (the embedded broker enforces them; deploy/mosquitto holds
// the same for an external broker): a device connects with username DEV
// and the password the ACS set over CWMP (Device.MQTT.Client.1.Username
// and .Password) in its first session; it may subscribe to its own cr,
// push and groups topics, to gw/v1/fleet/push, and to the push topics of
// the groups it belongs to; it may publish only its own ack, telemetry
// and state topics. Anonymous clients are refused. The ACS is the only
// publisher of ACS topics.
//
// An agent subscribes at connect to DeviceSubscriptions(DEV). The ACS
// publishes the device's group list, retained, on gw/v1/d/DEV/groups
// whenever it changes; the agent then subscribes to GroupPushTopic of
// each group and unsubscribes from groups no longer listed. The list only
// says what to subscribe to: the broker decides what is allowed.
//
// # Payloads
//
// JSON objects, small (MaxPayload bounds every message), with times as
// Unix milliseconds ("ts"). Every ACS→agent message that asks for action
// carries an "id" (1 to 64 characters of [A-Za-z0-9_-]) and a "ts". An
// agent keeps a ReplayGuard: it drops a message whose id it has seen or
// whose ts is older than the guard's MaxAge (or too far in the future).
// Retained state messages (Groups) and key rotations are exempt from the
// age check: they are state, not commands, and applying them twice does
// nothing.
//
//	ConnectionRequest  {"id":"q1","ts":1764000000000}
//	Groups             {"id":"g1","ts":1764000000000,"groups":["pilot"]}
//	Push (bundle)      {"kind":"bundle","id":"b1","ts":...,"target":"g/pilot",
//	                    "version":"m:wifi@3-a1b2c3","values":[{"name":
//	                    "Device.WiFi.SSID.1.SSID","value":"home","type":"string"}],
//	                    "kid":"3f2a...","sig":"base64"}
//	Push (rotation)    {"kind":"key","id":"k1","ts":...,"target":"fleet",
//	                    "newKey":"base64 of 32 bytes","kid":"...","sig":"..."}
//	Ack                {"id":"b1","ts":...,"version":"m:wifi@3-a1b2c3",
//	                    "status":"applied"} (or "unchanged", "fault" with
//	                    {"fault":{"code":9007,"message":"..."}}, "rejected")
//	Telemetry          {"ts":...,"values":{"Device.DSL.Line.1.UpstreamCurrRate":"1024"}}
//	State              {"online":true,"ts":...}
//
// A connection request over MQTT means exactly what the HTTP one means:
// the agent opens a CWMP session with the event "6 CONNECTION REQUEST"
// (at once; an agent already in session queues one more).
//
// # Push bundles
//
// A bundle is a version plus parameter values, signed by the ACS push key
// (ed25519). The signature covers the canonical encoding of every field
// but the signature itself (see Push.SigningBytes): a fixed domain string,
// then each field length-prefixed in a fixed order, so the JSON's layout
// and whitespace never matter and no field can be moved into another.
// "kid" names the signing key: the first 8 bytes of SHA-256 over the raw
// public key, in hex (KeyID).
//
// The agent trusts only the push key from its configuration or package.
// For a bundle it checks, in order: the signature against that key; that
// Target names the topic it arrived on (so a bundle for one group cannot
// be replayed into another); the ReplayGuard; then the values against its
// schema. It applies the values with exactly the all-or-nothing semantics
// of SetParameterValues, sets ManagementServer.ParameterKey to Version, and
// publishes an Ack. A bundle whose Version already equals the agent's
// ParameterKey is not applied again: the agent acks it "unchanged". The
// ACS relies on that after a crash: it re-signs and re-publishes a push
// whose acks it has not recorded, with a new id and the same Version, and
// only devices that did not apply it apply it. Version is at most 32
// characters (the size of ParameterKey).
//
// Bundles are signed, not encrypted: one may carry a secret (a Wi-Fi
// passphrase). Agents outside a trusted network connect over TLS, and the
// broker lets only a group's members subscribe to its push topic.
//
// Rejected bundles (bad signature, wrong target, stale, replayed) change
// nothing. An agent may ack a stale or schema-invalid one with "rejected"
// so the operator sees it; it never acks a replay (the first copy was
// acked already).
//
// # Key rotation
//
// A rotation is a Push of kind "key" carrying the new public key, signed
// by the key the agent trusts now. An agent that verifies it stores the
// new key durably in place of the old one and trusts only the new one from
// then on, so the rotation cannot be replayed. The ACS publishes it
// retained on gw/v1/fleet/push, so devices offline at the time pick it up
// when they reconnect. Only one step is kept retained: a device that
// missed two rotations needs its trust anchor renewed through its
// configuration or package.
//
// # Online state
//
// At connect the agent sets its last will to State{Online: false} and,
// once connected, publishes State{Online: true}, both retained on its
// state topic and both with ts = the time this connection started (the
// same value in the two). The ACS keeps, per device, the state with the
// greatest ts, and at equal ts "offline" wins: so the will of a connection
// overrides its own "online", while a will from an older connection that
// arrives after a newer connection's "online" is ignored. An agent that
// shuts down cleanly publishes State{Online: false} with the same ts
// before its DISCONNECT (a clean disconnect discards the will).
package mqttwire
