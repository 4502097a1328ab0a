// Package broker is the ACS's end of the MQTT transport: the embedded
// broker (github.com/mochi-mqtt/server/v2) with the lane's access rules,
// or a connection to an external broker (github.com/eclipse/paho.mqtt.golang)
// whose access list the ACS keeps. Both are a Transport; the lane package
// above does not know which one it has.
//
// # Access rules
//
// A device connects with username = client ID = its device ID and the
// password the ACS derives for it (Passwords; the ACS sets it over CWMP in
// the first session as Device.MQTT.Client.1.Password and stores nothing:
// the password is an HMAC of the device ID under a key derived from the
// fleet secret, and never reaches a log line). The device must exist in
// the inventory, and ask for a keepalive between 1 and 1200 s. It may
// subscribe to its own cr, push and groups topics, the fleet push topic
// and the push topics of its groups (its tags), and publish only on its
// own ack, telemetry and state topics (MayPublish, MaySubscribe). Filters
// with wildcards are refused to devices. Anonymous clients are refused.
// The ACS's own client is mochi's inline client: in-process, no socket,
// no password.
//
// Membership is read from the store when a device subscribes to a group
// topic, so a tag added through the API applies to the next subscription.
// A device removed from a tag keeps a subscription it already has until it
// reconnects; that is harmless because every bundle is signed, names its
// target, and the ACS reconciles each device at its Inform.
//
// # External broker
//
// `--mqtt-external mqtt://USER:PASS@HOST:PORT` (or mqtts://) makes the
// ACS a paho client of the operator's broker. With mosquitto 2.x the ACS
// keeps the same rules through the dynamic-security plugin (dynsec.go;
// setup in acs/deploy/mosquitto). `?acl=none` leaves access control to a
// broker that asks elsewhere (an HTTP auth hook implementing the rules).
//
// # Memory per connection
//
// mochi's defaults give each client an 8,192-slot outbound queue (64 KiB of
// pointers), 2 KiB read and write buffers and room for 8,192 in-flight
// messages: sized for busy clients. An agent receives a few small messages
// an hour, so the embedded broker uses a 64-slot queue, 512-byte buffers,
// 64 in-flight messages and QoS at most 1. TestMemoryPerConnection
// measures idle devices (connected, one subscription) with the clients in
// a second process; on the development machine (Go 1.26, linux/amd64):
//
//	connections   heap/conn   goroutine stacks/conn   total/conn
//	1,000         7.3 KiB     20.0 KiB                27.3 KiB
//	5,000         7.4 KiB     20.0 KiB                27.4 KiB
//	10,000        6.5 KiB     21.7 KiB                28.2 KiB
//
// (GATEWARDEN_MQTT_CONNS=5000,10000 go test -run Memory -v reproduces it.)
// Two goroutines per client (reader and writer) are fixed by mochi; the
// reader's stack stays at 16 KiB because mochi keeps whole packets by
// value in its frames, so stacks, not buffers, are now the larger part.
// The same clients with mochi's defaults would cost about 64 KiB more
// each (the queue alone), over three times as much.
//
// Extrapolated on paper at 28 KiB per idle device connection, plus what
// the kernel keeps per idle TCP socket (a few KiB: socket, inode, file,
// and small buffers once the connection is quiet) and one file descriptor:
//
//   - 10^5 devices: about 2.7 GiB of ACS memory, 0.3–0.5 GiB in the
//     kernel, 100,000 descriptors (raise the open-files limit well above
//     the 20,000 this machine allows). One node can hold it; connection
//     storms after an outage are paced by the agents' jittered backoff,
//     and each CONNECT costs an HMAC and one store read.
//   - 10^6 devices: about 27 GiB in the process and several GiB in the
//     kernel, a million descriptors and goroutines on one node: past what
//     one ACS process should carry, and a single point of failure for the
//     whole lane. At that size run an external broker cluster (EMQX,
//     VerneMQ, HiveMQ; their per-connection cost is of the same order but
//     they spread it over nodes) with `--mqtt-external`, and several ACS
//     nodes sharing it.
//
// TLS (:8883) is not in these figures: each client then also holds a
// crypto/tls connection whose input buffer grows to the largest record it
// received (small for the lane's messages), and pays a handshake at
// connect; measure before sizing a TLS-only fleet.
package broker
