// Package health turns a line's telemetry into the KPIs support staff
// judge a DSL line by, and a health state: good, degraded or failing.
//
// KPIs, over a window of samples (newest last):
//   - sync ratio: current rate over the maximum attainable rate, per
//     direction (a line far below what it could do is mis-provisioned or
//     noisy);
//   - noise margin and attenuation per direction, in dB;
//   - errored seconds per hour, from the growth of the line's
//     Stats.Total.ErroredSecs (a counter reset, as after a reboot, starts
//     a new run instead of counting negative);
//   - retrains in the window: the line's LastChange (seconds since its
//     status last changed) falling below the time since the previous
//     sample while the line is up means it resynchronised in between;
//   - WAN availability: telemetry travels over the WAN, so a missing
//     sample is an outage. Availability is the share of the expected
//     samples that arrived with the line up; a gap of n whole sampling
//     intervals (n >= 2) counts n-1 missing samples, so a late sample is
//     not an outage.
//
// Thresholds are configurable; the defaults follow common DSL operations
// practice: a downstream margin under 6 dB or more than 10 errored
// seconds an hour is degraded, under 3 dB or 60 an hour failing.
//
// Parameters are read by TR-181 name (Device.DSL.Line.1., Channel.1.)
// or, for TR-098 devices, by the WANDSLInterfaceConfig equivalents.
package health
