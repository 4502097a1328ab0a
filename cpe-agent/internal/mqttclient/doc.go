// Package mqttclient is the agent's MQTT 3.1/3.1.1 client: one
// connection, clean sessions, QoS 0 and 1, a last will, keepalive with
// dead-broker detection, and nothing else. The wire format comes from
// paho's packets package; the full paho client is not linked, because
// its WebSocket, proxy, persistence and reconnect machinery (gorilla,
// x/net/proxy, x/sync) would cost a router about 400 KB for features the
// agent never uses. Reconnecting is the caller's job (connreq's Run loop
// already does it with backoff).
//
// Goroutines: one reader per connection, plus a keepalive timer whose
// function runs only when it fires. Writes are synchronous under a mutex,
// each with a deadline, so a stalled broker fails the connection instead
// of hanging the caller. Everything ends before Done is closed.
//
// QoS 2 is refused by design: Subscribe and Publish accept QoS 0 and 1
// only, and a broker must not send more than the granted QoS, so an
// inbound QoS 2 PUBLISH (or any PUBREC/PUBREL/PUBCOMP) is a protocol
// violation that ends the connection.
//
// Short critical sections unlock explicitly rather than by defer: the
// router build has no inlining, so each deferred Unlock costs a wrapper
// function and exit code, and nothing in them can panic.
package mqttclient
