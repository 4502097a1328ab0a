#!/usr/bin/env bash
# `make run`: the ACS with its embedded store, plus a few dozen simulated
# agents (the real agent on the sim platform), all on loopback. State lives
# in data/demo; delete it to start from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bin/testbench demo --data "${GATEWARDEN_DATA:-data/demo}" --devices "${GATEWARDEN_DEVICES:-24}"
