package update

import (
	"errors"
	"fmt"

	"gatewarden/firmware/image"
	"gatewarden/firmware/slot"
)

// slotSink is the image.Sink that writes payloads into a slot's targets,
// one open writer at a time; a payload's writer is synced and closed when
// its last byte arrives.
type slotSink struct {
	slots  slot.Slots
	slot   slot.Name
	header *image.Header
	cur    slot.Writer
	curIdx int
	// started runs when a fresh package's header checked out.
	started func(h *image.Header) error
}

// Start implements image.Sink: zero-length payloads have no bytes to
// write, so their targets are emptied here.
func (s *slotSink) Start(h *image.Header) error {
	s.header = h
	for _, e := range h.Entries {
		if e.Size != 0 {
			continue
		}
		w, err := s.slots.OpenTarget(s.slot, e.Target, 0, 0)
		if err != nil {
			return err
		}
		if err := errors.Join(w.Sync(), w.Close()); err != nil {
			return err
		}
	}
	if s.started != nil {
		return s.started(h)
	}
	return nil
}

// Payload implements image.Sink.
func (s *slotSink) Payload(i int, off int64, p []byte) error {
	e := s.header.Entries[i]
	if s.cur == nil || s.curIdx != i {
		if err := s.close(); err != nil {
			return err
		}
		w, err := s.slots.OpenTarget(s.slot, e.Target, e.Size, off)
		if err != nil {
			return err
		}
		s.cur, s.curIdx = w, i
	}
	if _, err := s.cur.Write(p); err != nil {
		return fmt.Errorf("writing %s of slot %s: %w", e.Target, s.slot, err)
	}
	if off+int64(len(p)) == e.Size {
		return s.close()
	}
	return nil
}

// open prepares the writer for entry i at off after a resume, so a
// backend that cannot continue says so before any byte is fetched.
func (s *slotSink) open(i int, off int64) error {
	e := s.header.Entries[i]
	w, err := s.slots.OpenTarget(s.slot, e.Target, e.Size, off)
	if err != nil {
		return err
	}
	s.cur, s.curIdx = w, i
	return nil
}

func (s *slotSink) sync() error {
	if s.cur == nil {
		return nil
	}
	return s.cur.Sync()
}

func (s *slotSink) close() error {
	if s.cur == nil {
		return nil
	}
	w := s.cur
	s.cur = nil
	return errors.Join(w.Sync(), w.Close())
}
