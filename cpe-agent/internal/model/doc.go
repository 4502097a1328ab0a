// Package model is the agent's live Device.* tree: the TR-181 objects and
// parameters the device supports, driven by the generated schema
// (protocol/datamodel) and bound to providers by the platform.
//
// # Binding
//
// A platform adds a parameter with one call on a Registry, naming it by its
// template path; type, access, notification rules and defaults come from
// the schema, never from the platform:
//
//	r.Param("Device.DeviceInfo.UpTime", model.GetUint(uptime))
//	r.Param("Device.WiFi.SSID.{i}.SSID", model.GetSet(get, set))
//	r.Stored("Device.ManagementServer.PeriodicInformInterval", "3600")
//
// Tables are either listed by a provider (Table: the system's interfaces,
// keyed by the provider's stable names and numbered by the tree, numbers
// never reused) or managed by the ACS (Managed: AddObject and DeleteObject,
// instances persisted, their writable parameters stored unless a provider
// binds them; Instance declares the ones a factory-fresh device has), or
// both at once (Editable: listed, and AddObject and DeleteObject call the
// provider's RowHooks, which change the system; the key of a row the ACS
// added maps to its new instance number like any listed key).
// NumberOfEntries parameters are bound by the tree. A binding the schema
// contradicts (unknown path, a setter on a read-only parameter, a typed
// getter of another type, an invalid default, an undeclared table) is
// reported by Registry.Err and New.
//
// # RPCs
//
// Tree implements the CPE side of the parameter RPCs with TR-069's rules:
// faults are *cwmp.Fault values, any other error means 9002. Every RPC runs
// under one mutex, so each is atomic with respect to the others, including
// the value-change poll and the local page. Providers run with that mutex
// held and must not call back into the tree; Index.Stored is the one way to
// read the tree's stored values from a provider.
//
// # Value changes
//
// For every parameter whose notification is passive or active (or whose
// active notification the data model forces on), the tree keeps the value
// it last observed. Providers that learn of a change call Notify (through
// their Registry's Handle); Run polls the rest on the injected clock. A
// difference from the last observed value by anything but the ACS makes
// the parameter pending (persisted, so a crash keeps it) and calls
// Options.OnValueChange outside the lock. InformParameters carries the
// pending parameters with their current values when the Inform has
// "4 VALUE CHANGE"; InformDelivered clears those the ACS received, unless
// they changed again meanwhile; DiscardPendingChanges is for a new boot.
// SetParameterValues updates the observed value, so the ACS never hears of
// its own changes.
//
// # Decisions where the specifications are silent
//
//   - SetParameterAttributes naming a parameter directly: active
//     notification on a canDeny parameter, or anything but active on a
//     forceEnabled one, is refused with 9009 and nothing of the request
//     applies. Through a partial path such parameters keep their
//     notification and the rest of the subtree changes; refusing a subtree
//     because of its counters would make subtree requests useless.
//   - Notification values 3-6 are stored and returned; only the CWMP part
//     counts here (1, 4 and 6 passive, 2 active): lightweight (UDP)
//     notifications are not sent.
//   - A declared xsi:type of "string" (also what a value without xsi:type
//     decodes as) is accepted for any parameter, the value itself still
//     being checked against the parameter's type: many ACSes send every
//     value as xsd:string. Any other declared type must be the parameter's.
//   - writeOnceReadOnly (Alias): the ACS may replace an empty value or one
//     the CPE chose ("cpe-..."); once it has set its own, 9008.
//   - Command parameters are applied after every other provider of a
//     SetParameterValues, and are not rolled back (an action cannot be).
//   - Instance wildcards ("*") work in GetParameterValues,
//     GetParameterNames, GetParameterAttributes and InformParameter
//     patterns; InstanceWildcardsSupported says so. Alias-based addressing
//     is not supported (AliasBasedAddressing is false).
//   - An instance a provider stops listing loses its number for good, with
//     its attributes; if its key comes back it gets a new number.
//   - AddObject on an Editable table runs the Add hook inside the store
//     transaction that records the new number, the row's key and the
//     ParameterKey: a hook error leaves nothing (the number was never
//     seen, and may be handed out next); a failed commit after the hook
//     deletes the row again through the Delete hook. A crash between
//     the hook and the commit leaves a row the next listing adopts under
//     a new number, like any row the system made by itself. AddObject
//     answers Status 0: the hook has applied the row.
//   - A ParameterKey longer than the schema allows fails the whole request
//     with 9003.
//   - The DeviceInfo identity is Pinned: the platform's value wins, and a
//     value that differs from the previous run's (SoftwareVersion after an
//     upgrade) is reported as a change. Other observed values live in
//     memory only: a change while the agent is down goes unnoticed.
//
// # Persistence
//
// Values, attributes and instance numbers use the store's records; the
// pending-change set, the "factory instances created" markers and the keys
// of listed instances ride in the values bucket under reserved names
// (persist.go), until the store has records of its own for them.
package model
