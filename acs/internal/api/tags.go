package api

import (
	"slices"

	"gatewarden/acs/internal/store"
)

const maxTagLen = 64

// checkTag keeps tags to what a filter can name without quoting trouble
// and a URL path segment carries without escaping.
func checkTag(tag string) error {
	if tag == "" || len(tag) > maxTagLen {
		return badRequest(codeBadRequest, "a tag is 1 to %d characters", maxTagLen)
	}
	for i := 0; i < len(tag); i++ {
		ch := tag[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' || ch == '.' || ch == ':') {
			return badRequest(codeBadRequest, "tag %q: use letters, digits and _ - . : only", tag)
		}
	}
	return nil
}

func (a *api) putTag(c *call) (reply, error) {
	return a.changeTag(c, func(tags []string, tag string) []string {
		if slices.Contains(tags, tag) {
			return tags
		}
		tags = append(tags, tag)
		slices.Sort(tags)
		return tags
	})
}

func (a *api) deleteTag(c *call) (reply, error) {
	return a.changeTag(c, func(tags []string, tag string) []string {
		return slices.DeleteFunc(tags, func(t string) bool { return t == tag })
	})
}

func (a *api) changeTag(c *call, change func(tags []string, tag string) []string) (reply, error) {
	id, err := deviceCall(c)
	if err != nil {
		return reply{}, err
	}
	tag := c.r.PathValue("tag")
	c.detail = "tag " + tag
	if err := checkTag(tag); err != nil {
		return reply{}, err
	}
	d, err := a.store.UpdateDevice(c.ctx(), id, func(d *store.Device) error {
		d.Tags = change(slices.Clone(d.Tags), tag)
		return nil
	})
	if err != nil {
		return reply{}, deviceErr(id, err)
	}
	return ok(a.viewDevice(&d, c.seesSecrets()))
}
