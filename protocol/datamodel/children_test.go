package datamodel

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"

	"gatewarden/protocol/datamodel/internal/dmgen"
	"gatewarden/protocol/datamodel/internal/xsdre"
)

// paths lists every node's path in document order.
func paths(s *Schema) []string {
	var out []string
	for n := range s.Nodes() {
		out = append(out, n.Path())
	}
	return out
}

// TestChildrenBuiltConcurrently builds a fresh schema's nodes from several
// goroutines at once (run with -race): each must see the whole tree, the
// same node for the same path, and the forced-inform parameters in place.
func TestChildrenBuiltConcurrently(t *testing.T) {
	want := paths(TR181())
	s, err := decode(tr181File)
	if err != nil {
		t.Fatal(err)
	}
	const workers = 4
	got := make([][]string, workers)
	found := make([][]*Node, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Half start at the bottom of the tree, half at the top.
			if w%2 == 0 {
				for _, p := range slices.Backward(want) {
					n, ok := s.Lookup(p)
					if !ok {
						t.Errorf("Lookup(%q) failed", p)
						return
					}
					found[w] = append(found[w], n)
				}
			}
			got[w] = paths(s)
			if w%2 == 1 {
				for _, n := range s.ForcedInform() {
					found[w] = append(found[w], n)
				}
			}
		})
	}
	wg.Wait()
	for w := range workers {
		if !slices.Equal(got[w], want) {
			t.Errorf("worker %d walked %d nodes, want %d", w, len(got[w]), len(want))
		}
		for _, n := range found[w] {
			if again, _ := s.Lookup(n.Path()); again != n {
				t.Errorf("%s: two nodes for one path", n.Path())
			}
		}
	}
	var forced []string
	for _, n := range s.ForcedInform() {
		forced = append(forced, n.Path())
	}
	var wantForced []string
	for _, n := range TR181().ForcedInform() {
		wantForced = append(wantForced, n.Path())
	}
	if len(forced) == 0 || !slices.Equal(forced, wantForced) {
		t.Errorf("ForcedInform = %v, want %v", forced, wantForced)
	}
}

// TestLookupBuildsLittle: a program that consults a few parameters keeps
// far less than the whole tree (about 1 MiB for TR-181).
func TestLookupBuildsLittle(t *testing.T) {
	heap := func() int64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	before := heap()
	s, err := decode(tr181File)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Device.DeviceInfo.ManufacturerOUI", "Device.ManagementServer.URL", "Device.IP.Interface.1.IPv4Address.2.IPAddress"} {
		if _, ok := s.Lookup(p); !ok {
			t.Fatalf("Lookup(%q) failed", p)
		}
	}
	s.ForcedInform()
	few := heap() - before
	s.Walk(func(*Node) bool { return true })
	all := heap() - before
	t.Logf("TR-181 kept on the heap: %d KiB after a few lookups, %d KiB with every node built", few/1024, all/1024)
	if few > 512<<10 || few > all/2 {
		t.Errorf("a few lookups keep %d bytes, every node %d", few, all)
	}
	runtime.KeepAlive(s)
}

// FuzzDecode feeds the decoder corrupted payloads: it must fail cleanly or
// give a schema whose every node can be built and read.
func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	types, model := filepath.Join(dir, "types.xml"), filepath.Join(dir, "model.xml")
	if err := os.WriteFile(types, []byte(testTypes), 0o644); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(model, []byte(testModel), 0o644); err != nil {
		f.Fatal(err)
	}
	payload, _, err := dmgen.Generate(model, types, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload)
	f.Add(payload[:len(payload)/2])
	f.Add([]byte{1, 0, 9})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		// scan is decode past the framing, which TestUnpackRejectsBadFiles
		// covers; skipping the compressor keeps the fuzzer fast.
		s, err := scan(string(payload))
		if err != nil {
			return
		}
		count := 0
		s.Walk(func(n *Node) bool {
			count++
			_ = n.Path()
			if typ := n.Type(); typ != nil {
				_ = typ.String()
				_ = n.Validate("1")
			}
			if n.IsObject() && n.NumChildren() > 0 {
				c := slices.Collect(n.Children())[0]
				if got, ok := n.Child(c.Name()); !ok || got.Name() != c.Name() {
					t.Errorf("%s: Child(%q) does not find it", n.Path(), c.Name())
				}
			}
			return true
		})
		if count != s.NumObjects()+s.NumParameters() {
			t.Errorf("walked %d nodes, the schema counts %d", count, s.NumObjects()+s.NumParameters())
		}
		for _, n := range s.ForcedInform() {
			if !n.ForcedInform() {
				t.Errorf("%s is listed as forced inform but is not", n.Path())
			}
		}
		for _, name := range s.DataTypeNames() {
			if _, ok := s.DataType(name); !ok {
				t.Errorf("DataType(%q) not found", name)
			}
		}
	})
}

// TestEmbeddedPatternsCompile: patterns compile on first use, and one that
// does not would refuse every value; none of the embedded ones may.
func TestEmbeddedPatternsCompile(t *testing.T) {
	for _, s := range []*Schema{TR181(), TR098()} {
		if len(s.patterns) == 0 {
			t.Errorf("%s has no patterns", s.Name())
		}
		for i := range s.patterns {
			if _, err := xsdre.Compile(s.patterns[i].src); err != nil {
				t.Errorf("%s: %v", s.Name(), err)
			}
		}
	}
}

// TestChildAtMatchesChildren: ChildAt walks the same nodes, in the same
// order, as Children, for every object of both schemas.
func TestChildAtMatchesChildren(t *testing.T) {
	for _, s := range []*Schema{TR181(), TR098()} {
		objects := 0
		for n := range s.Nodes() {
			if !n.IsObject() {
				continue
			}
			objects++
			var want []*Node
			for c := range n.Children() {
				want = append(want, c)
			}
			if len(want) != n.NumChildren() {
				t.Fatalf("%s: NumChildren %d, Children yields %d", n.Path(), n.NumChildren(), len(want))
			}
			for i, c := range want {
				if got := n.ChildAt(i); got != c {
					t.Fatalf("%s: ChildAt(%d) is %s, Children has %s", n.Path(), i, got.Path(), c.Path())
				}
			}
		}
		if objects == 0 {
			t.Fatalf("%s: no objects walked", s.Name())
		}
	}
}
