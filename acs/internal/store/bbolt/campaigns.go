package bbolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// Campaign buckets, created on first write:
//
//	campaigns: campaign ID -> campaign JSON (IDs sort by creation time)
//	campdev:   campaign ID NUL device ID -> device record JSON
//	campidx:   campaign ID NUL state NUL wave(uint32) device ID -> 1
//
// campidx makes "the next pending devices of wave k" and "the active
// devices" seeks, whatever the campaign's size.
var (
	bCampaigns = []byte("campaigns")
	bCampDev   = []byte("campdev")
	bCampIdx   = []byte("campidx")
)

var _ store.Campaigns = (*Store)(nil)

func campDevKey(id, device string) []byte { return append(devicePrefix(id), device...) }

func campIdxPrefix(id, state string) []byte {
	k := devicePrefix(id)
	k = append(k, state...)
	return append(k, 0)
}

func campIdxKey(d *store.CampaignDevice) []byte {
	k := campIdxPrefix(d.Campaign, d.State)
	k = binary.BigEndian.AppendUint32(k, uint32(max(d.Wave, 0)))
	return append(k, d.Device...)
}

func campaignBuckets(tx *bolt.Tx) (camps, devs, idx *bolt.Bucket, err error) {
	if camps, err = tx.CreateBucketIfNotExists(bCampaigns); err != nil {
		return
	}
	if devs, err = tx.CreateBucketIfNotExists(bCampDev); err != nil {
		return
	}
	idx, err = tx.CreateBucketIfNotExists(bCampIdx)
	return
}

// CreateCampaign stores a new campaign.
func (s *Store) CreateCampaign(ctx context.Context, c *store.Campaign) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	nc := *c
	now := time.Now().UTC()
	if nc.ID == "" {
		nc.ID = newID(now)
	}
	if err := checkID("campaign ID", nc.ID); err != nil {
		return err
	}
	if nc.Created.IsZero() {
		nc.Created = now
	}
	if nc.Updated.IsZero() {
		nc.Updated = nc.Created
	}
	nc.Version = 1
	enc, err := json.Marshal(&nc)
	if err != nil {
		return fmt.Errorf("encode campaign: %w", err)
	}
	err = s.w.do(func(tx *bolt.Tx) error {
		camps, _, _, err := campaignBuckets(tx)
		if err != nil {
			return err
		}
		if camps.Get([]byte(nc.ID)) != nil {
			return reject(fmt.Errorf("campaign %q: %w", nc.ID, store.ErrConflict))
		}
		return camps.Put([]byte(nc.ID), enc)
	})
	if err != nil {
		return fmt.Errorf("create campaign: %w", err)
	}
	*c = nc
	return nil
}

// AddCampaignDevices enrols devices in a campaign.
func (s *Store) AddCampaignDevices(ctx context.Context, id string, list []store.CampaignDevice) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	recs := make([]store.CampaignDevice, len(list))
	encs := make([][]byte, len(list))
	for i, d := range list {
		if err := checkID("device ID", d.Device); err != nil {
			return err
		}
		d.Campaign = id
		if d.State == "" {
			d.State = store.CampaignDevicePending
		}
		enc, err := json.Marshal(&d)
		if err != nil {
			return fmt.Errorf("encode campaign device: %w", err)
		}
		recs[i], encs[i] = d, enc
	}
	err := s.w.do(func(tx *bolt.Tx) error {
		camps, devs, idx, err := campaignBuckets(tx)
		if err != nil {
			return err
		}
		if camps.Get([]byte(id)) == nil {
			return reject(fmt.Errorf("campaign %q: %w", id, store.ErrNotFound))
		}
		for i := range recs {
			key := campDevKey(id, recs[i].Device)
			if old := devs.Get(key); old != nil {
				var prev store.CampaignDevice
				if err := json.Unmarshal(old, &prev); err != nil {
					return fmt.Errorf("campaign device %q: %w", recs[i].Device, err)
				}
				if err := idx.Delete(campIdxKey(&prev)); err != nil {
					return err
				}
			}
			if err := devs.Put(key, encs[i]); err != nil {
				return err
			}
			if err := idx.Put(campIdxKey(&recs[i]), one); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add campaign devices: %w", err)
	}
	return nil
}

// Campaign returns one campaign.
func (s *Store) Campaign(ctx context.Context, id string) (store.Campaign, error) {
	return getRecord[store.Campaign](ctx, s, bCampaigns, id, "campaign %q")
}

// ListCampaigns pages through campaigns in ID order.
func (s *Store) ListCampaigns(ctx context.Context, after string, limit int) ([]store.Campaign, string, error) {
	return pageRecords[store.Campaign](ctx, s, bCampaigns, after, limit, "campaign %q")
}

// UpdateCampaign changes one campaign atomically.
func (s *Store) UpdateCampaign(ctx context.Context, id string, fn func(c *store.Campaign) error) (store.Campaign, error) {
	if err := ctx.Err(); err != nil {
		return store.Campaign{}, err
	}
	var out store.Campaign
	err := s.w.do(func(tx *bolt.Tx) error {
		camps, _, _, err := campaignBuckets(tx)
		if err != nil {
			return err
		}
		c, err := readCampaign(camps, id)
		if err != nil {
			return reject(err)
		}
		if err := fn(&c); err != nil {
			return reject(err)
		}
		if c.ID != id {
			return reject(fmt.Errorf("campaign %q: the update changed its ID: %w", id, store.ErrInvalid))
		}
		if err := writeCampaign(camps, &c); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return store.Campaign{}, fmt.Errorf("update campaign: %w", err)
	}
	return out, nil
}

func readCampaign(camps *bolt.Bucket, id string) (store.Campaign, error) {
	var c store.Campaign
	raw := camps.Get([]byte(id))
	if raw == nil {
		return c, fmt.Errorf("campaign %q: %w", id, store.ErrNotFound)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("campaign %q: %w", id, err)
	}
	return c, nil
}

func writeCampaign(camps *bolt.Bucket, c *store.Campaign) error {
	c.Version++
	c.Updated = time.Now().UTC()
	enc, err := json.Marshal(c)
	if err != nil {
		return reject(fmt.Errorf("encode campaign: %w", err))
	}
	return camps.Put([]byte(c.ID), enc)
}

// CampaignDevice returns one device's record in a campaign.
func (s *Store) CampaignDevice(ctx context.Context, id, device string) (store.CampaignDevice, error) {
	if err := ctx.Err(); err != nil {
		return store.CampaignDevice{}, err
	}
	var d store.CampaignDevice
	err := s.db.View(func(tx *bolt.Tx) error {
		var raw []byte
		if b := tx.Bucket(bCampDev); b != nil {
			raw = b.Get(campDevKey(id, device))
		}
		if raw == nil {
			return fmt.Errorf("device %q in campaign %q: %w", device, id, store.ErrNotFound)
		}
		return json.Unmarshal(raw, &d)
	})
	return d, err
}

// CampaignDevices pages through a campaign's devices. Without a state the
// order is device ID and next is the last ID; with a state it is wave,
// then device ID, and next is an opaque cursor.
func (s *Store) CampaignDevices(ctx context.Context, q store.CampaignDeviceQuery) ([]store.CampaignDevice, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if q.Limit <= 0 {
		q.Limit = store.DefaultLimit
	}
	var out []store.CampaignDevice
	next := ""
	err := s.db.View(func(tx *bolt.Tx) error {
		devs, idx := tx.Bucket(bCampDev), tx.Bucket(bCampIdx)
		if devs == nil || idx == nil {
			return nil
		}
		if q.State == "" {
			prefix := devicePrefix(q.Campaign)
			c := devs.Cursor()
			start := append(bytes.Clone(prefix), q.After...)
			k, v := c.Seek(start)
			if q.After != "" && bytes.Equal(k, start) {
				k, v = c.Next()
			}
			for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(out) == q.Limit {
					next = out[len(out)-1].Device
					return nil
				}
				var d store.CampaignDevice
				if err := json.Unmarshal(v, &d); err != nil {
					return fmt.Errorf("campaign device %q: %w", k, err)
				}
				out = append(out, d)
			}
			return nil
		}
		prefix := campIdxPrefix(q.Campaign, q.State)
		if q.Wave >= 0 {
			prefix = binary.BigEndian.AppendUint32(prefix, uint32(q.Wave))
		}
		start := bytes.Clone(prefix)
		if q.After != "" {
			cur, err := hex.DecodeString(q.After)
			if err != nil || !bytes.HasPrefix(cur, prefix) {
				return fmt.Errorf("campaign device cursor %q: %w", q.After, store.ErrInvalid)
			}
			start = cur
		}
		c := idx.Cursor()
		k, _ := c.Seek(start)
		if q.After != "" && bytes.Equal(k, start) {
			k, _ = c.Next()
		}
		var last []byte
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(out) == q.Limit {
				next = hex.EncodeToString(last)
				return nil
			}
			base := campIdxPrefix(q.Campaign, q.State)
			device := string(k[len(base)+4:])
			raw := devs.Get(campDevKey(q.Campaign, device))
			if raw == nil {
				return fmt.Errorf("campaign index names device %q without a record", device)
			}
			var d store.CampaignDevice
			if err := json.Unmarshal(raw, &d); err != nil {
				return fmt.Errorf("campaign device %q: %w", device, err)
			}
			out = append(out, d)
			last = bytes.Clone(k)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("campaign devices: %w", err)
	}
	return out, next, nil
}

// UpdateCampaignDevice changes a device record and its campaign together.
func (s *Store) UpdateCampaignDevice(ctx context.Context, id, device string, fn func(c *store.Campaign, d *store.CampaignDevice) error) (store.Campaign, store.CampaignDevice, error) {
	if err := ctx.Err(); err != nil {
		return store.Campaign{}, store.CampaignDevice{}, err
	}
	var outC store.Campaign
	var outD store.CampaignDevice
	err := s.w.do(func(tx *bolt.Tx) error {
		camps, devs, idx, err := campaignBuckets(tx)
		if err != nil {
			return err
		}
		c, err := readCampaign(camps, id)
		if err != nil {
			return reject(err)
		}
		key := campDevKey(id, device)
		raw := devs.Get(key)
		if raw == nil {
			return reject(fmt.Errorf("device %q in campaign %q: %w", device, id, store.ErrNotFound))
		}
		var d store.CampaignDevice
		if err := json.Unmarshal(raw, &d); err != nil {
			return reject(fmt.Errorf("campaign device %q: %w", device, err))
		}
		oldIdx := campIdxKey(&d)
		if err := fn(&c, &d); err != nil {
			return reject(err)
		}
		if c.ID != id || d.Campaign != id || d.Device != device {
			return reject(fmt.Errorf("campaign %q device %q: the update changed a key: %w", id, device, store.ErrInvalid))
		}
		enc, err := json.Marshal(&d)
		if err != nil {
			return reject(fmt.Errorf("encode campaign device: %w", err))
		}
		if err := writeCampaign(camps, &c); err != nil {
			return err
		}
		if err := devs.Put(key, enc); err != nil {
			return err
		}
		if newIdx := campIdxKey(&d); !bytes.Equal(newIdx, oldIdx) {
			if err := idx.Delete(oldIdx); err != nil {
				return err
			}
			if err := idx.Put(newIdx, one); err != nil {
				return err
			}
		}
		outC, outD = c, d
		return nil
	})
	if err != nil {
		return store.Campaign{}, store.CampaignDevice{}, fmt.Errorf("update campaign device: %w", err)
	}
	return outC, outD, nil
}
