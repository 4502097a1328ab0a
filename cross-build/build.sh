#!/usr/bin/env bash
# Cross-compiles for the router targets. Until the agent binary exists this
# is a compile check of the shared packages for every target architecture.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(
  "armv5 arm GOARM=5"
  "armv7 arm GOARM=7"
  "arm64 arm64"
  "mips mips GOMIPS=softfloat"
  "mipsle mipsle GOMIPS=softfloat"
  "mips64 mips64 GOMIPS64=softfloat"
)
mkdir -p dist
for t in "${targets[@]}"; do
  read -r name arch extra <<<"$t"
  echo "cross: $name"
  if [[ -f cpe-agent/cmd/cpe-agent/main.go ]]; then
    env CGO_ENABLED=0 GOOS=linux GOARCH="$arch" ${extra:-} \
      go build -trimpath -ldflags "-s -w" -o "dist/cpe-agent-linux-$name" ./cpe-agent/cmd/cpe-agent
  else
    env CGO_ENABLED=0 GOOS=linux GOARCH="$arch" ${extra:-} go build ./protocol/...
  fi
done
