package bbolt

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"gatewarden/acs/internal/store"
)

// Device records are read and rewritten by every Inform, so they get a
// binary form: JSON decoding was a tenth of the ACS's CPU per idle
// session. Records written as JSON by earlier versions (they start with
// '{') still decode; the next write converts them. Layout:
//
//	version  1 byte (deviceVersion)
//	strings  ID OUI ProductClass SerialNumber Manufacturer SoftwareVersion
//	         HardwareVersion ConnectionRequestURL IP Root CWMPVersion
//	         ParameterKey ConnReqUsername ConnReqPassword, each uvarint
//	         length then bytes
//	times    FirstSeen LastInform LastBoot, each uvarint 0 (zero time) or
//	         1 then varint Unix seconds and uvarint nanoseconds
//	tags     uvarint 0 (nil) or count+1, then each string
//	flags    1 byte: bit 0 Provisioned
//	stamp    1 byte 0 (none), or 1 then the report stamp: varint Unix
//	         nanoseconds and 8 bytes of set hash
//
// TestDeviceCodecCoversEveryField fails when store.Device gains a field
// this codec does not carry.
const deviceVersion = 0x01

func deviceStrings(d *store.Device) [14]*string {
	return [14]*string{&d.ID, &d.OUI, &d.ProductClass, &d.SerialNumber, &d.Manufacturer,
		&d.SoftwareVersion, &d.HardwareVersion, &d.ConnectionRequestURL, &d.IP, &d.Root,
		&d.CWMPVersion, &d.ParameterKey, &d.ConnReqUsername, &d.ConnReqPassword}
}

// reportStamp is what the device's stamped parameters share: the time of
// the Inform that last reported them, and a hash of the names that
// Inform reported with that time (reportSet). It is private to this
// store and survives UpdateDevice.
type reportStamp struct {
	ok   bool
	time int64 // Unix nanoseconds
	set  uint64
}

func (st reportStamp) at() time.Time {
	if !st.ok {
		return time.Time{}
	}
	return time.Unix(0, st.time).UTC()
}

func appendDevice(dst []byte, d *store.Device, st reportStamp) []byte {
	dst = append(dst, deviceVersion)
	for _, s := range deviceStrings(d) {
		dst = binary.AppendUvarint(dst, uint64(len(*s)))
		dst = append(dst, *s...)
	}
	for _, t := range [...]time.Time{d.FirstSeen, d.LastInform, d.LastBoot} {
		if t.IsZero() {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		dst = binary.AppendVarint(dst, t.Unix())
		dst = binary.AppendUvarint(dst, uint64(t.Nanosecond()))
	}
	if d.Tags == nil {
		dst = append(dst, 0)
	} else {
		dst = binary.AppendUvarint(dst, uint64(len(d.Tags))+1)
		for _, t := range d.Tags {
			dst = binary.AppendUvarint(dst, uint64(len(t)))
			dst = append(dst, t...)
		}
	}
	var flags byte
	if d.Provisioned {
		flags |= 1
	}
	dst = append(dst, flags)
	if !st.ok {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = binary.AppendVarint(dst, st.time)
	return binary.BigEndian.AppendUint64(dst, st.set)
}

// encodeDevice is the stored form of d with report stamp st.
func encodeDevice(d *store.Device, st reportStamp) []byte {
	n := 64
	for _, s := range deviceStrings(d) {
		n += len(*s)
	}
	for _, t := range d.Tags {
		n += len(t) + 2
	}
	return appendDevice(make([]byte, 0, n), d, st)
}

// decodeDevice reads a stored device record, binary or legacy JSON.
func decodeDevice(b []byte, d *store.Device) error {
	_, err := decodeDeviceStamp(b, d)
	return err
}

// decodeDeviceStamp reads a stored device record and its report stamp
// (none in a legacy JSON record).
func decodeDeviceStamp(b []byte, d *store.Device) (reportStamp, error) {
	var st reportStamp
	if len(b) > 0 && b[0] == '{' {
		*d = store.Device{}
		return st, json.Unmarshal(b, d)
	}
	if len(b) == 0 || b[0] != deviceVersion {
		return st, fmt.Errorf("device record: %w", errCorrupt)
	}
	// One string holds every field: the record's strings are substrings
	// of it, a single allocation per decode.
	r := devReader{b: b[1:], all: string(b[1:])}
	*d = store.Device{}
	for _, s := range deviceStrings(d) {
		*s = r.str()
	}
	for _, t := range [...]*time.Time{&d.FirstSeen, &d.LastInform, &d.LastBoot} {
		*t = r.time()
	}
	if n := r.uvarint(); n > 0 {
		n--
		if n > uint64(len(r.b)) {
			r.bad = true
		} else {
			d.Tags = make([]string, n)
			for i := range d.Tags {
				d.Tags[i] = r.str()
			}
		}
	}
	flags := r.byte()
	d.Provisioned = flags&1 != 0
	switch r.byte() {
	case 0:
	case 1:
		st.ok = true
		st.time = r.varint()
		if len(r.b) < 8 {
			r.bad = true
		} else {
			st.set = binary.BigEndian.Uint64(r.b)
			r.b = r.b[8:]
		}
	default:
		r.bad = true
	}
	if r.bad || len(r.b) != 0 || flags&^1 != 0 {
		return reportStamp{}, fmt.Errorf("device record: %w", errCorrupt)
	}
	return st, nil
}

// devReader reads the fields of a record; a short or malformed record
// sets bad and yields zero values from then on. all is the record as a
// string: b is always a suffix of it.
type devReader struct {
	b   []byte
	all string
	bad bool
}

func (r *devReader) uvarint() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *devReader) varint() int64 {
	if r.bad {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *devReader) byte() byte {
	if r.bad || len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *devReader) str() string {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	at := len(r.all) - len(r.b)
	s := r.all[at : at+int(n)]
	r.b = r.b[n:]
	return s
}

func (r *devReader) time() time.Time {
	switch r.byte() {
	case 0:
		return time.Time{}
	case 1:
		sec := r.varint()
		nsec := r.uvarint()
		if nsec >= 1e9 {
			r.bad = true
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).UTC()
	}
	r.bad = true
	return time.Time{}
}
