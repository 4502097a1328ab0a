# Gatewarden: `make run` starts the main job with embedded defaults,
# `make test` installs what the tests need and runs them all.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X gatewarden/protocol/buildinfo.Version=$(VERSION)
FUZZTIME  ?= 60s
# Every main package under a cmd/ folder becomes a binary in bin/.
CMDS      := $(sort $(dir $(wildcard */cmd/*/main.go */*/cmd/*/main.go)))

.PHONY: all build test run cross bench fuzz lint setup clean

all: build

build:
	@mkdir -p bin
	@for d in $(CMDS); do \
		echo "go build $$d -> bin/$$(basename $$d)"; \
		$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/$$(basename $$d) ./$$d || exit 1; \
	done

setup:
	bash testbench/setup.sh

# lint first: it is cheap and catches what reviewers would.
test: setup lint
	$(GO) test -count=1 -timeout 18m ./...
	# The usb build tag (cgo + libusb) builds and passes too; the default
	# build above is static and has no libusb.
	CGO_ENABLED=1 $(GO) test -count=1 -tags usb ./cpe-agent/internal/platform/... ./cpe-agent/agent

lint:
	@out=$$(find . -name '*.go' -not -path './.git/*' -not -path './dist/*' | xargs -r gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

run: build
	bash testbench/run.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...
	# The ACS benchmark again with CPEs that authenticate pre-emptively
	# with a cached nonce (the default run takes a fresh challenge).
	E2E_BENCH_REUSE_NONCE=1 $(GO) test -run '^$$' -bench '^BenchmarkACSIdlePeriodic$$' -benchtime 1x ./testbench/e2e
	GATEWARDEN_CRASH_RUNS=500 $(GO) test -count=1 -run '^TestCrash$$' -timeout 30m ./cpe-agent/internal/crashtest
	GATEWARDEN_FW_CRASH_RUNS=1000 GATEWARDEN_FW_TAMPER_RUNS=1000 $(GO) test -count=1 \
		-run '^(TestCrashDuringInstall|TestTamperedPackagesRejected)$$' -timeout 30m ./cpe-agent/internal/update
	GATEWARDEN_CAMPAIGN_DEVICES=1000 $(GO) test -count=1 -run '^TestFirmwareCampaigns$$' -timeout 20m ./testbench/e2e
	E2E_SUPPORT_RUNS=200 $(GO) test -count=1 -run '^TestSupportLatency$$' -v ./testbench/e2e
	E2E_MQTT_DEVICES=3000 $(GO) test -count=1 -run '^TestMQTTGroupPush$$' -v -timeout 30m ./testbench/e2e
	GATEWARDEN_MQTT_CONNS=5000,10000 $(GO) test -count=1 -run '^TestMemoryPerConnection$$' -v ./acs/internal/broker

# Each fuzz target runs for FUZZTIME; `make test` runs their seed corpora only.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg; \
		done; \
	done

# Every router target with its size table, the .ipk packages and the ACS's
# .deb in dist/; fails when a target is over cross-build/budgets.txt.
cross:
	$(GO) run ./cross-build/cmd/crossbuild -version $(VERSION) -out dist

clean:
	rm -rf bin dist
