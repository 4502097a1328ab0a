package session

// listed reports whether v is in list. One instantiation (by shape, the
// underlying string) serves EventCode, FileType and TimeWindowMode alike,
// where slices.Contains instantiates once per slice type: about 370 bytes
// of router code each.
func listed[T ~string](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
