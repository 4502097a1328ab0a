// Package provision holds the ACS's declarative configuration: the device
// filter language, presets (desired parameter values and notification
// attributes for the devices a filter matches) and the reconciler that
// turns them into the changes one device needs at its Inform.
//
// # Filters
//
//	productClass = "X" AND softwareVersion < "2.1" AND tag = "pilot"
//
// A filter is comparisons `field op value` joined by AND, OR and NOT
// (NOT binds tightest, then AND, then OR) with parentheses. Keywords are
// case-insensitive. Fields are id, oui, productClass, serialNumber,
// softwareVersion, hardwareVersion, tag, online, lastInform, or a
// parameter path such as Device.DeviceInfo.ModelName. Operators are
// = != < <= > >= LIKE. Values are double-quoted strings (escapes \" \\ \/
// \n \r \t \uXXXX), numbers (-12, 3.5) and true/false. The empty filter
// matches every device.
//
// Comparisons are typed when the filter is compiled, not when it runs:
//   - id, oui, productClass, serialNumber: text; = and != exactly, the
//     orderings byte by byte.
//   - softwareVersion, hardwareVersion: versions; = and != exactly, the
//     orderings by CompareVersions ("2.10" > "2.9"). A bare number is
//     read as the version it spells.
//   - tag: = "x" holds when the device has tag x, != when it has not, LIKE
//     when any tag matches.
//   - online: = or != with true or false; Options.Online decides.
//   - lastInform: an RFC 3339 time, or a relative one ("-1h", "-7d",
//     "-1d12h", units d h m s) measured from the moment of matching:
//     `lastInform < "-1d"` keeps devices silent for a day. Relative times
//     take only the orderings.
//   - parameters: by their schema type (TR-181 for "Device.", TR-098 for
//     "InternetGatewayDevice."). Numbers compare numerically and exactly,
//     booleans by value ("1" = true), dateTimes as times, text exactly or,
//     when ordered against a quoted version ("2.1"), as versions. An
//     equality with a value the type rejects ("Upp" for a Status) is an
//     error. Paths must name one parameter by instance numbers; secret
//     parameters cannot be filtered on. A vendor parameter (a path with an
//     X_ segment) has no schema type and compares by the value written:
//     text, number or boolean.
//   - LIKE: % matches any run of characters, _ one character, a backslash
//     makes the next %, _ or backslash literal (inside a quoted string
//     that is written \\%). Case-sensitive, on text only.
//
// A comparison whose value is missing (a parameter the device never
// reported) or not of its type is false whatever the operator, != too.
//
// # Presets and reconciling
//
// ValidatePreset checks a preset against the data model when it is saved.
// Beyond the schema it refuses command parameters (they act at every set,
// and read back empty, so they would fire at every Inform) and the
// credentials the ACS manages per device (ManagementServer.Username,
// Password, ConnectionRequestUsername, ConnectionRequestPassword).
//
// Reconciler.Diff merges the presets matching a device in name order (a
// later name wins) and returns only what differs from the last known
// state, compared in canonical form, with a ParameterKey naming the plan.
// The last known state is the parameter cache: whoever applies a plan
// records its values there (Plan.AppliedParams) once the device confirms,
// and must not overwrite a hidden parameter's cached value with the empty
// string a GetParameterValues returns for it, or the plan would be sent
// again at every Inform.
package provision
