// Package lane is the ACS side of the MQTT lane (protocol/mqttwire): it
// tracks which devices are online on MQTT, sends connection requests over
// it, pushes a preset to a group as one signed bundle and follows every
// device's answer, and keeps the telemetry agents publish.
//
// It talks to the broker through broker.Transport, so it works the same
// over the embedded broker and an external one.
//
// # Pushes and crashes
//
// A push is durable before anything is published: the store holds the
// push (preset, version, values) and a pending delivery per group member
// (store.Pushes). The bundle's version is the ParameterKey an agent sets
// when it applies it. An answer moves a delivery from pending to its
// final state exactly once, and the bundle's values go into the parameter
// cache first, so the Inform-time reconciliation sees the device in its
// desired state and sends nothing again.
//
// After a crash (kill -9 in the middle of a push) the restarted ACS
// re-signs every push with pending deliveries (new message id, same
// version) and publishes it again. Agents that applied it before have the
// version as their ParameterKey and answer "unchanged" without applying
// anything; the others apply it now. A device that is offline converges at
// its next Inform: AtInform settles its delivery "converged" when the
// Inform's ParameterKey is the bundle's version (it applied the bundle but
// the ack was lost) or when its cached values already match the bundle
// (the preset reconciliation set them over CWMP). A device that comes
// online (its state message) gets every push it has not answered on its
// own push topic at once; so does a member whose group list changed just
// before the push (it may not have subscribed to the group topic yet);
// and devices online that did not answer within StragglerAfter get
// another copy the same way. One device's acks are recorded in the order
// they came, so an "applied" is never overtaken by the "unchanged" of a
// second copy.
//
// # Presence
//
// A device is online when the latest State on its state topic says so;
// the will an agent sets makes the broker publish "offline" when its
// connection dies. States carry the time they were made, and an older
// state never overrides a newer one (a will from a dead connection that
// arrives after the new connection's "online").
//
// # Groups
//
// When a device comes online the ACS publishes its group list (tags)
// retained on its groups topic and tells an external broker its groups;
// before a push it does the same for members whose list it has not sent
// since it started. The broker checks membership at subscribe time.
//
// # Telemetry
//
// Samples are validated, buffered in memory and written in one store
// transaction per FlushEvery; each device keeps at most TelemetryKeep
// samples, and Retention prunes older ones hourly. A full buffer drops
// samples (counted), never blocks the broker.
package lane
