package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/bits"
	"os"
	"strconv"
)

// The store validates the file itself, through ordinary reads, before
// bbolt maps it. bbolt trusts its file: a truncated file makes it fault on
// the map, a bogus freelist count makes it allocate gigabytes, a branch
// page that points back at an ancestor sends its cursor into an endless
// loop, and its own Check runs on a goroutine where a fault cannot be
// recovered. None of that can be caught once it starts, so a file that
// fails this check never reaches bbolt.
//
// The format facts used (bbolt file format 2, in the writer's byte order):
//   - page header, 16 bytes: id u64, flags u16, count u16, overflow u32;
//     flags 0x01 branch, 0x02 leaf, 0x04 meta, 0x10 freelist.
//   - meta, after the header: magic u32, version u32, page size u32,
//     flags u32, root bucket (root u64, sequence u64), freelist u64,
//     high-water page id u64, txid u64, checksum u64 (FNV-1a 64 over the
//     preceding 56 bytes).
//   - branch element, 16 bytes: pos u32, ksize u32, child page id u64.
//   - leaf element, 16 bytes: flags u32 (0x01 bucket), pos u32, ksize u32,
//     vsize u32; pos counts from the element itself, the value follows the
//     key.
//   - bucket value: root u64, sequence u64; root 0 means an inline bucket
//     whose leaf page follows in the value.
//   - freelist page: count page ids u64; a count of 0xFFFF means the real
//     count is the first u64.
const (
	pageHeaderSize  = 16
	elementSize     = 16
	metaSize        = 64
	metaChecksumOff = 56
	bucketHeader    = 16
	boltMagic       = 0xED0CDAED
	boltFileVersion = 2

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagFreelist = 0x10
	flagBucket   = 0x01
	noFreelist   = ^uint64(0)

	// maxDepth bounds branch and nested-bucket recursion; real files are a
	// handful of levels deep.
	maxDepth = 64
)

var ne = binary.NativeEndian

type metaInfo struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

var (
	errNotBolt      error = &sentinel{"not a bbolt file"}
	errForeignOrder error = &sentinel{"written by a machine of the other byte order (bbolt files are not portable between big- and little-endian routers)"}
)

func parseMeta(page []byte) (metaInfo, error) {
	if len(page) < pageHeaderSize+metaSize {
		return metaInfo{}, errNotBolt
	}
	m := page[pageHeaderSize : pageHeaderSize+metaSize]
	if magic := ne.Uint32(m[0:]); magic != boltMagic {
		if bits.ReverseBytes32(magic) == boltMagic {
			return metaInfo{}, errForeignOrder
		}
		return metaInfo{}, errNotBolt
	}
	if v := ne.Uint32(m[4:]); v != boltFileVersion {
		return metaInfo{}, fmt.Errorf("bbolt file format %d, want %d", v, boltFileVersion)
	}
	h := fnv.New64a()
	h.Write(m[:metaChecksumOff])
	if h.Sum64() != ne.Uint64(m[metaChecksumOff:]) {
		return metaInfo{}, errors.New("meta page checksum mismatch")
	}
	return metaInfo{
		pageSize: ne.Uint32(m[8:]),
		root:     ne.Uint64(m[16:]),
		freelist: ne.Uint64(m[32:]),
		pgid:     ne.Uint64(m[40:]),
		txid:     ne.Uint64(m[48:]),
	}, nil
}

// newestMeta picks the meta page bbolt will use: the valid one with the
// higher transaction id.
func newestMeta(head []byte) (metaInfo, error) {
	best, err0 := parseMeta(head)
	found := err0 == nil
	lastErr := err0
	// Meta 1 sits one page in; without a valid meta 0 the page size is
	// unknown, so try the sizes bbolt can have used.
	offsets := []int{4096, 8192, 16384, 32768, 65536, os.Getpagesize()}
	if found {
		offsets = []int{int(best.pageSize)}
	}
	for _, off := range offsets {
		if off <= 0 || off >= len(head) {
			continue
		}
		m, err := parseMeta(head[off:])
		if err != nil {
			lastErr = err
			continue
		}
		if !found || m.txid > best.txid {
			best, found = m, true
		}
		break
	}
	if !found {
		return metaInfo{}, fmt.Errorf("both meta pages are unreadable (%v)", lastErr)
	}
	if best.pageSize < 512 || best.pageSize > 1<<20 || best.pageSize&(best.pageSize-1) != 0 {
		return metaInfo{}, fmt.Errorf("implausible page size %d", best.pageSize)
	}
	return best, nil
}

// checkFile validates the bbolt file of the given size behind r; path is
// for messages. An empty file passes: bbolt initialises it.
func checkFile(r io.ReaderAt, size int64, path string) error {
	if size == 0 {
		return nil
	}
	head := make([]byte, min(size, 1<<16+pageHeaderSize+metaSize))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return fmt.Errorf("store: reading %s: %w", path, err)
	}
	meta, err := newestMeta(head[:n])
	if err != nil {
		return fmt.Errorf("store: %s: %w: %v", path, ErrCorrupt, err)
	}
	ps := int64(meta.pageSize)
	if meta.pgid < 2 || meta.pgid > uint64(size/ps) {
		return fmt.Errorf("store: %s: %w: truncated, its pages need %d bytes but the file has %d",
			path, ErrCorrupt, int64(meta.pgid)*ps, size)
	}
	c := &checker{r: r, pageSize: int(ps), pgid: meta.pgid, seen: make([]bool, meta.pgid)}
	c.seen[0], c.seen[1] = true, true
	if err := c.tree(meta.root, 0); err != nil {
		return fmt.Errorf("store: %s: %w: %v", path, ErrCorrupt, err)
	}
	if err := c.freelist(meta.freelist); err != nil {
		return fmt.Errorf("store: %s: %w: %v", path, ErrCorrupt, err)
	}
	return nil
}

type checker struct {
	r        io.ReaderAt
	pageSize int
	pgid     uint64
	// seen marks every page (and overflow page) that belongs to the tree
	// or the freelist; meeting one twice means a cycle or shared page.
	seen []bool
}

// page reads page id with its overflow pages and claims them.
func (c *checker) page(id uint64) ([]byte, error) {
	if id < 2 || id >= c.pgid {
		return nil, fmt.Errorf("page id %d outside [2, %d)", id, c.pgid)
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := c.r.ReadAt(hdr, int64(id)*int64(c.pageSize)); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	if got := ne.Uint64(hdr); got != id {
		return nil, fmt.Errorf("page %d: header says page %d", id, got)
	}
	overflow := uint64(ne.Uint32(hdr[12:]))
	if overflow >= c.pgid-id {
		return nil, fmt.Errorf("page %d: overflow %d runs past the last page", id, overflow)
	}
	for p := id; p <= id+overflow; p++ {
		if c.seen[p] {
			return nil, fmt.Errorf("page %d reached twice", p)
		}
		c.seen[p] = true
	}
	buf := make([]byte, (overflow+1)*uint64(c.pageSize))
	if _, err := c.r.ReadAt(buf, int64(id)*int64(c.pageSize)); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	return buf, nil
}

func (c *checker) tree(id uint64, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("tree deeper than %d levels", maxDepth)
	}
	p, err := c.page(id)
	if err != nil {
		return err
	}
	switch flags := ne.Uint16(p[8:]); flags {
	case flagBranch:
		return c.branch(id, p, depth)
	case flagLeaf:
		return c.leaf(id, p, depth)
	default:
		return fmt.Errorf("page %d: flags %#x where a branch or leaf belongs", id, flags)
	}
}

// elements returns the element count after checking the array fits.
func elements(id uint64, p []byte) (int, error) {
	n := int(ne.Uint16(p[10:]))
	if pageHeaderSize+n*elementSize > len(p) {
		return 0, fmt.Errorf("page %d: %d elements overflow the page", id, n)
	}
	return n, nil
}

// span returns p[start : start+size] after checking it lies inside p.
// The arithmetic is 64-bit, so 32-bit fields cannot wrap around.
func span(p []byte, start, size uint64) ([]byte, bool) {
	end := start + size
	if end > uint64(len(p)) {
		return nil, false
	}
	return p[start:end], true
}

func (c *checker) branch(id uint64, p []byte, depth int) error {
	n, err := elements(id, p)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("branch page %d is empty", id)
	}
	var prev []byte
	for i := 0; i < n; i++ {
		off := pageHeaderSize + i*elementSize
		key, ok := span(p, uint64(off)+uint64(ne.Uint32(p[off:])), uint64(ne.Uint32(p[off+4:])))
		if !ok {
			return pageErr("branch", id, i, "key outside the page")
		}
		if i > 0 && bytes.Compare(prev, key) >= 0 {
			return pageErr("branch", id, -1, "keys out of order")
		}
		prev = key
		if err := c.tree(ne.Uint64(p[off+8:]), depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) leaf(id uint64, p []byte, depth int) error {
	n, err := elements(id, p)
	if err != nil {
		return err
	}
	var prev []byte
	for i := 0; i < n; i++ {
		off := pageHeaderSize + i*elementSize
		start := uint64(off) + uint64(ne.Uint32(p[off+4:]))
		ksize, vsize := uint64(ne.Uint32(p[off+8:])), uint64(ne.Uint32(p[off+12:]))
		key, ok := span(p, start, ksize)
		if !ok {
			return pageErr("leaf", id, i, "key outside the page")
		}
		val, ok := span(p, start+ksize, vsize)
		if !ok {
			return pageErr("leaf", id, i, "value outside the page")
		}
		if i > 0 && bytes.Compare(prev, key) >= 0 {
			return pageErr("leaf", id, -1, "keys out of order")
		}
		prev = key
		if ne.Uint32(p[off:])&flagBucket == 0 {
			continue
		}
		if len(val) < bucketHeader {
			return pageErr("leaf", id, i, "bucket header cut short")
		}
		if root := ne.Uint64(val); root != 0 {
			if err := c.tree(root, depth+1); err != nil {
				return err
			}
			continue
		}
		inline := val[bucketHeader:]
		if len(inline) < pageHeaderSize || ne.Uint16(inline[8:]) != flagLeaf {
			return pageErr("leaf", id, i, "malformed inline bucket")
		}
		if depth+1 > maxDepth {
			return fmt.Errorf("buckets nested deeper than %d levels", maxDepth)
		}
		if err := c.leaf(id, inline, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) freelist(id uint64) error {
	if id == noFreelist {
		return nil
	}
	p, err := c.page(id)
	if err != nil {
		return fmt.Errorf("freelist: %v", err)
	}
	if flags := ne.Uint16(p[8:]); flags != flagFreelist {
		return fmt.Errorf("freelist page %d has flags %#x", id, flags)
	}
	count, start := uint64(ne.Uint16(p[10:])), uint64(pageHeaderSize)
	if count == 0xFFFF {
		if len(p) < pageHeaderSize+8 {
			return fmt.Errorf("freelist page %d cut short", id)
		}
		count, start = ne.Uint64(p[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > (uint64(len(p))-start)/8 {
		return fmt.Errorf("freelist page %d claims %d ids, more than it holds", id, count)
	}
	for i := uint64(0); i < count; i++ {
		free := ne.Uint64(p[start+8*i:])
		if free < 2 || free >= c.pgid {
			return fmt.Errorf("freelist holds page id %d outside [2, %d)", free, c.pgid)
		}
		if c.seen[free] {
			return fmt.Errorf("page %d is both in use and free", free)
		}
		c.seen[free] = true
	}
	return nil
}

// pageErr words a structural fault of a page: "<kind> page <id>: <what>",
// or "<kind> page <id> element <i>: <what>" when i >= 0. One builder for
// the checks of the element loops: a fmt.Errorf per check boxes its
// uint64 page id, code the 32-bit router carried at every site.
func pageErr(kind string, id uint64, i int, what string) error {
	s := kind + " page " + strconv.FormatUint(id, 10)
	if i >= 0 {
		s += " element " + strconv.Itoa(i)
	}
	return errors.New(s + ": " + what)
}
