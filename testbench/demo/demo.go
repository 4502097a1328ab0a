// Package demo runs what `make run` shows: an ACS with its embedded store
// and a small fleet of simulated agents informing it, all in one process.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"gatewarden/acs/server"
	"gatewarden/testbench/fleet"
)

// Options for Run.
type Options struct {
	DataDir  string
	Devices  int
	CWMPAddr string
	APIAddr  string
	Out      io.Writer // what a person reads
	Logger   *slog.Logger
}

// Run starts the ACS and the fleet and serves until ctx ends.
func Run(ctx context.Context, o Options) error {
	acsDir := filepath.Join(o.DataDir, "acs")
	srv, err := server.New(server.Config{
		DataDir:  acsDir,
		CWMPAddr: o.CWMPAddr,
		APIAddr:  o.APIAddr,
		Logger:   o.Logger.With("part", "acs"),
	})
	if err != nil {
		return err
	}
	secret, err := server.LoadFleetSecret(acsDir)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-errc:
		return err
	}
	f, err := fleet.Start(ctx, fleet.Options{
		ACSURL:         srv.CWMPURL(),
		Password:       func(serial string) string { return server.CPEPassword(secret, serial) },
		Devices:        o.Devices,
		SerialPrefix:   "DEMO",
		DataDir:        filepath.Join(o.DataDir, "agents"),
		PeriodicInform: 60 * time.Second,
		Logger:         o.Logger.With("part", "agent"),
	})
	if err != nil {
		return err
	}
	tokenFile := filepath.Join(acsDir, server.AdminTokenFile)
	fmt.Fprintf(o.Out, `Gatewarden is running.
  ACS CWMP endpoint: %s
  REST API:          %s/api/v1   (metrics: %s/metrics)
  admin token:       in %s
  simulated agents:  %d (DEMO000001 ...), informing every 60 s

Try:
  export GATEWARDEN_TOKEN=$(cat %s)
  bin/acsctl --url %s devices list
  bin/acsctl --url %s get 0090F5-SIM-DEMO000001 Device.DeviceInfo.UpTime

Ctrl-C stops everything.
`, srv.CWMPURL(), srv.APIURL(), srv.APIURL(), tokenFile, o.Devices, tokenFile, srv.APIURL(), srv.APIURL())
	err = <-errc
	if ferr := f.Wait(); ferr != nil && err == nil {
		err = ferr
	}
	return err
}
