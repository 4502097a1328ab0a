#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing.
# Run by `make test`; safe to run again. Needs root (CI and dev machines run as root).
set -euo pipefail

# command-or-file -> Debian package
need=(
  "xmllint:libxml2-utils"
)

missing=()
for pair in "${need[@]}"; do
  probe=${pair%%:*}
  pkg=${pair#*:}
  if [[ $probe == /* ]]; then
    [[ -e $probe ]] || missing+=("$pkg")
  else
    command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) != 0 ]]; then
  echo "setup: missing packages: ${missing[*]}; run as root or install them with apt-get" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
