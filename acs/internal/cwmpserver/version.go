package cwmpserver

import "gatewarden/protocol/cwmp"

// negotiate applies TR-069 version negotiation to an Inform. With a
// SupportedCWMPVersions header the session speaks the highest version both
// sides know, announced back in UseCWMPVersion (use); no common version
// means fault 8006. Without the header (or with one naming no version at
// all) the version follows from the namespace, cwmp-1-2 plus
// SessionTimeout meaning 1.3, and nothing is announced.
func negotiate(env *cwmp.Envelope) (v cwmp.Version, use string, ok bool) {
	if h := env.Header.SupportedCWMPVersions; h != "" {
		if theirs := cwmp.ParseVersionList(h); len(theirs) > 0 {
			v, ok := cwmp.HighestCommon(theirs, cwmp.Versions())
			if !ok {
				return 0, "", false
			}
			return v, v.String(), true
		}
	}
	v = env.ImpliedVersion()
	if v == 0 {
		return 0, "", false
	}
	return v, "", true
}
