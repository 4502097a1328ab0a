package cwmp

import "testing"

// benchParse measures parseDocument alone: the etree/encoding/xml floor
// under Decode. Decode's own walk is the difference between the two.
func benchParse(b *testing.B, env *Envelope) {
	data, err := Marshal(env)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := parseDocument(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseOnlyInform(b *testing.B)         { benchParse(b, benchInform()) }
func BenchmarkParseOnlyGPVResponse800(b *testing.B) { benchParse(b, benchGPV800()) }
