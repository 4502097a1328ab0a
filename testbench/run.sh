#!/usr/bin/env bash
# `make run`: start the main job with embedded defaults.
# The ACS and the agent arrive with their issues; until then this shows the
# protocol core at work by decoding a captured Inform with cwmpdump.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -x bin/acs ]]; then
  exec bin/acs serve --data "${GATEWARDEN_DATA:-./data/acs}"
fi

sample=$(ls protocol/cwmp/testdata/quirks/*nform*.xml protocol/cwmp/testdata/golden/*nform*.xml 2>/dev/null | head -n 1 || true)
if [[ -z $sample ]]; then
  echo "run: no sample message found; built binaries are in bin/"
  exit 0
fi
echo "run: decoding $sample with bin/cwmpdump"
bin/cwmpdump "$sample"
