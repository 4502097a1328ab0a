package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"gatewarden/acs/internal/provision"
	"gatewarden/acs/internal/store"
)

// CampaignService runs firmware campaigns (provision.Campaigns).
type CampaignService interface {
	// Create checks a JSON spec (provision.CampaignSpec) and stores the
	// campaign; errors wrapping store.ErrInvalid are the client's.
	Create(ctx context.Context, spec []byte, actor string) (store.Campaign, error)
	Get(ctx context.Context, id string) (store.Campaign, error)
	List(ctx context.Context, after string, limit int) ([]store.Campaign, string, error)
	Pause(ctx context.Context, id string) (store.Campaign, error)
	Resume(ctx context.Context, id string) (store.Campaign, error)
	Abort(ctx context.Context, id string) (store.Campaign, error)
}

// campaignSpec documents POST /campaigns (the provision package parses
// the body itself).
type campaignSpec struct {
	Name             string    `json:"name,omitempty"`
	File             string    `json:"file" doc:"a file of GET /files"`
	Filter           string    `json:"filter,omitempty" doc:"target devices (filter language); empty: every device"`
	Waves            []float64 `json:"waves,omitempty" doc:"cumulative percentages of the targets, increasing, ending at 100; default [1,10,50,100]"`
	MaxConcurrent    int       `json:"maxConcurrent,omitempty" doc:"downloads at once; default 50"`
	Windows          []string  `json:"windows,omitempty" doc:"HH:MM-HH:MM spans when downloads may start; default any time"`
	Location         string    `json:"location,omitempty" doc:"IANA zone of the windows; default UTC"`
	FailureThreshold *float64  `json:"failureThreshold,omitempty" doc:"percent of a wave that may fail before the campaign halts; default 10"`
	DeviceTimeout    string    `json:"deviceTimeout,omitempty" doc:"Go duration after which an unfinished download counts as failed; default 24h"`
}

type waveView struct {
	Wave      int     `json:"wave" doc:"1-based"`
	Percent   float64 `json:"percent" doc:"cumulative share of the targets"`
	Size      int     `json:"size"`
	Pending   int     `json:"pending"`
	Active    int     `json:"active"`
	Succeeded int     `json:"succeeded"`
	Failed    int     `json:"failed"`
	Skipped   int     `json:"skipped"`
}

type campaignTotals struct {
	Size      int `json:"size"`
	Pending   int `json:"pending"`
	Active    int `json:"active"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
}

type campaignView struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	File             string         `json:"file"`
	FileType         string         `json:"fileType"`
	Filter           string         `json:"filter"`
	MaxConcurrent    int            `json:"maxConcurrent"`
	Windows          []string       `json:"windows"`
	Location         string         `json:"location"`
	FailureThreshold float64        `json:"failureThreshold"`
	DeviceTimeout    string         `json:"deviceTimeout"`
	State            string         `json:"state" enum:"preparing,running,paused,halted,aborted,completed"`
	Wave             int            `json:"wave" doc:"current wave, 1-based"`
	HaltReason       string         `json:"haltReason,omitempty"`
	Waves            []waveView     `json:"waves"`
	Totals           campaignTotals `json:"totals"`
	Created          jsonTime       `json:"created"`
	Updated          jsonTime       `json:"updated"`
	Finished         jsonTime       `json:"finished"`
	Actor            string         `json:"actor"`
}

type campaignList struct {
	Campaigns []campaignView `json:"campaigns"`
	Next      string         `json:"next,omitempty"`
}

func viewCampaign(c store.Campaign) campaignView {
	v := campaignView{
		ID: c.ID, Name: c.Name, File: c.File, FileType: c.FileType, Filter: c.Filter, MaxConcurrent: c.MaxConcurrent,
		Windows: c.Windows, Location: c.Location, FailureThreshold: c.FailureThreshold,
		DeviceTimeout: c.DeviceTimeout.Round(time.Second).String(), State: c.State, Wave: c.Wave + 1,
		HaltReason: c.HaltReason, Waves: make([]waveView, 0, len(c.Waves)),
		Created: jsonTime(c.Created), Updated: jsonTime(c.Updated), Finished: jsonTime(c.Finished), Actor: c.Actor,
	}
	if v.Windows == nil {
		v.Windows = []string{}
	}
	if v.Location == "" {
		v.Location = "UTC"
	}
	for i, w := range c.Waves {
		var st store.WaveStats
		if i < len(c.Stats) {
			st = c.Stats[i]
		}
		v.Waves = append(v.Waves, waveView{Wave: i + 1, Percent: provision.WavePercent(w), Size: st.Size, Pending: st.Pending,
			Active: st.Active, Succeeded: st.Succeeded, Failed: st.Failed, Skipped: st.Skipped})
		v.Totals.Size += st.Size
		v.Totals.Pending += st.Pending
		v.Totals.Active += st.Active
		v.Totals.Succeeded += st.Succeeded
		v.Totals.Failed += st.Failed
		v.Totals.Skipped += st.Skipped
	}
	return v
}

func (a *api) noCampaigns() error {
	return errorf(http.StatusServiceUnavailable, codeUnavailable, "this ACS runs no campaigns")
}

func campaignErr(err error, id string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("no campaign %q", id)
	case errors.Is(err, provision.ErrCampaignState):
		return errorf(http.StatusConflict, codeConflict, "%v", err)
	}
	return err
}

func (a *api) postCampaign(c *call) (reply, error) {
	if a.campaigns == nil {
		return reply{}, a.noCampaigns()
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, MaxBodyBytes))
	if err != nil {
		return reply{}, errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "request body exceeds %d bytes", MaxBodyBytes)
	}
	camp, err := a.campaigns.Create(c.ctx(), body, c.who.name)
	if err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return reply{}, badRequest("invalid_campaign", "%v", err)
		}
		return reply{}, err
	}
	c.target = camp.ID
	c.detail = "file " + camp.File
	return reply{status: http.StatusCreated, body: viewCampaign(camp), location: apiPrefix + "/campaigns/" + url.PathEscape(camp.ID)}, nil
}

func (a *api) getCampaign(c *call) (reply, error) {
	if a.campaigns == nil {
		return reply{}, a.noCampaigns()
	}
	id := c.r.PathValue("id")
	camp, err := a.campaigns.Get(c.ctx(), id)
	if err != nil {
		return reply{}, campaignErr(err, id)
	}
	return ok(viewCampaign(camp))
}

func (a *api) listCampaigns(c *call) (reply, error) {
	if a.campaigns == nil {
		return reply{}, a.noCampaigns()
	}
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	cs, next, err := a.campaigns.List(c.ctx(), c.query("after"), limit)
	if err != nil {
		return reply{}, err
	}
	out := campaignList{Campaigns: make([]campaignView, 0, len(cs)), Next: next}
	for _, x := range cs {
		out.Campaigns = append(out.Campaigns, viewCampaign(x))
	}
	return ok(out)
}

// campaignAction is pause, resume or abort.
func (a *api) campaignAction(verb string) func(c *call) (reply, error) {
	return func(c *call) (reply, error) {
		if a.campaigns == nil {
			return reply{}, a.noCampaigns()
		}
		id := c.r.PathValue("id")
		fn := map[string]func(context.Context, string) (store.Campaign, error){
			"pause": a.campaigns.Pause, "resume": a.campaigns.Resume, "abort": a.campaigns.Abort,
		}[verb]
		camp, err := fn(c.ctx(), id)
		if err != nil {
			return reply{}, campaignErr(err, id)
		}
		c.detail = verb
		return ok(viewCampaign(camp))
	}
}

// campaignRoutes are the rows routeTable adds for files and campaigns.
func (a *api) campaignRoutes() []*route {
	return []*route{
		{
			method: "POST", path: "/files", perm: PermTaskConfig,
			summary: "Upload a signed firmware package (the raw bytes as the body); its signature is checked against the ACS's trusted keys and its version and boards are read from its header",
			query:   []queryParam{{"name", "string", "name in the repository (default fw-VERSION)"}},
			replies: []replySpec{{201, fileView{}, "kept (422 package_rejected: not intact, not signed by a trusted key, or data after its end)"}},
			handle:  a.postFile,
		},
		{
			method: "GET", path: "/files", perm: PermRead,
			summary: "List the file repository",
			query:   []queryParam{qLimit, qAfter},
			replies: []replySpec{{200, fileList{}, "files by name; `next` is absent on the last page"}},
			handle:  a.listFiles,
		},
		{
			method: "POST", path: "/campaigns", perm: PermTaskConfig,
			summary: "Start a firmware campaign: targets by filter, in waves, with a concurrency limit, time windows and an automatic halt",
			body:    campaignSpec{},
			replies: []replySpec{{201, campaignView{}, "created; the ACS enrols the targets, then runs the waves"}},
			handle:  a.postCampaign,
		},
		{
			method: "GET", path: "/campaigns", perm: PermRead,
			summary: "List campaigns, oldest first",
			query:   []queryParam{qLimit, qAfter},
			replies: []replySpec{{200, campaignList{}, "campaigns; `next` is absent on the last page"}},
			handle:  a.listCampaigns,
		},
		{
			method: "GET", path: "/campaigns/{id}", perm: PermRead,
			summary: "A campaign and its progress per wave",
			replies: []replySpec{{200, campaignView{}, "the campaign"}},
			handle:  a.getCampaign,
		},
		{
			method: "POST", path: "/campaigns/{id}/pause", perm: PermTaskConfig,
			summary: "Pause a running campaign: no new downloads; those under way finish",
			replies: []replySpec{{200, campaignView{}, "paused"}},
			handle:  a.campaignAction("pause"),
		},
		{
			method: "POST", path: "/campaigns/{id}/resume", perm: PermTaskConfig,
			summary: "Resume a paused campaign, or a halted one (accepting the current wave's failures)",
			replies: []replySpec{{200, campaignView{}, "running"}},
			handle:  a.campaignAction("resume"),
		},
		{
			method: "POST", path: "/campaigns/{id}/abort", perm: PermTaskConfig,
			summary: "Abort a campaign for good; queued downloads are withdrawn",
			replies: []replySpec{{200, campaignView{}, "aborted"}},
			handle:  a.campaignAction("abort"),
		},
	}
}

// The OpenAPI document names these structs' schemas.
func init() {
	schemaNames[typeOf(fileView{})] = "File"
	schemaNames[typeOf(fileList{})] = "FileList"
	schemaNames[typeOf(campaignSpec{})] = "CampaignSpec"
	schemaNames[typeOf(campaignView{})] = "Campaign"
	schemaNames[typeOf(campaignList{})] = "CampaignList"
	schemaNames[typeOf(waveView{})] = "CampaignWave"
	schemaNames[typeOf(campaignTotals{})] = "CampaignTotals"
}
