// Package demo runs what `make run` shows: an ACS with its embedded store
// and a small fleet of simulated agents informing it, all in one process.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"gatewarden/acs/server"
	"gatewarden/cpe-agent/agent"
	"gatewarden/testbench/fleet"
)

// Options for Run.
type Options struct {
	DataDir   string
	Devices   int
	CWMPAddr  string
	APIAddr   string
	FilesAddr string
	MQTTAddr  string
	// LocalAddr is the first agent's field-engineer page; "off" or ""
	// gives none (one process can serve only one page per address).
	LocalAddr string
	Out       io.Writer // what a person reads
	Logger    *slog.Logger
}

// Run starts the ACS and the fleet and serves until ctx ends.
func Run(ctx context.Context, o Options) error {
	acsDir := filepath.Join(o.DataDir, "acs")
	srv, err := server.New(server.Config{
		DataDir:   acsDir,
		CWMPAddr:  o.CWMPAddr,
		APIAddr:   o.APIAddr,
		FilesAddr: o.FilesAddr,
		MQTTAddr:  o.MQTTAddr,
		Logger:    o.Logger.With("part", "acs"),
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
	// The agents join the MQTT lane with the ACS's push key, as their
	// package would ship it, and send telemetry every minute.
	pushKey := filepath.Join(o.DataDir, "push.pub")
	pem, err := server.PushPublicKey(acsDir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(pushKey, pem, 0o644); err != nil {
		return fmt.Errorf("writing the push key for the agents: %w", err)
	}
	broker := ""
	if a := srv.MQTTAddr(); a != nil {
		broker = "mqtt://" + a.String()
	}
	localPage := o.LocalAddr != "" && o.LocalAddr != agent.LocalOff
	f, err := fleet.Start(ctx, fleet.Options{
		ACSURL:         srv.CWMPURL(),
		Password:       func(serial string) string { return server.CPEPassword(secret, serial) },
		Devices:        o.Devices,
		SerialPrefix:   "DEMO",
		DataDir:        filepath.Join(o.DataDir, "agents"),
		PeriodicInform: 60 * time.Second,
		Logger:         o.Logger.With("part", "agent"),
		Configure: func(i int, cfg *agent.Config) {
			cfg.MQTTURL = broker
			cfg.MQTT.PushKey = pushKey
			cfg.MQTT.TelemetryInterval = time.Minute
			if i == 0 && localPage {
				cfg.LocalAddr = o.LocalAddr
			}
		},
	})
	if err != nil {
		return err
	}
	tokenFile := filepath.Join(acsDir, server.AdminTokenFile)
	first := "0090F5-SIM-DEMO000001"
	fmt.Fprintf(o.Out, `Gatewarden is running.
  ACS CWMP endpoint: %s
  REST API:          %s/api/v1   (metrics: %s/metrics)
  MQTT broker:       %s
  admin token:       in %s
  simulated agents:  %d (DEMO000001 ...), informing every 60 s, telemetry every 60 s
`, srv.CWMPURL(), srv.APIURL(), srv.APIURL(), broker, tokenFile, o.Devices)
	if localPage {
		fmt.Fprintf(o.Out, "  field-engineer page of DEMO000001: http://%s/ (password in %s)\n",
			o.LocalAddr, filepath.Join(o.DataDir, "agents", "DEMO000001", "local.password"))
	}
	fmt.Fprintf(o.Out, `
Try:
  export GATEWARDEN_TOKEN=$(cat %[1]s) GATEWARDEN_URL=%[2]s
  bin/acsctl devices list
  bin/acsctl get %[3]s Device.DeviceInfo.UpTime
  bin/acsctl diagnose %[3]s --ping 127.0.0.1 --ticket T-1
  bin/acsctl telemetry %[3]s
  bin/cpe-agent diag --data %[4]s status

Ctrl-C stops everything.
`, tokenFile, srv.APIURL(), first, filepath.Join(o.DataDir, "agents", "DEMO000001"))
	err = <-errc
	if ferr := f.Wait(); ferr != nil && err == nil {
		err = ferr
	}
	return err
}
