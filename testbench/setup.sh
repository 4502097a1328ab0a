#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing.
# Run by `make test`; safe to run again. Needs root (CI and dev machines run as root).
#
# Each part of the project lists what its tests need in setup.d/*.list, one
# "command-or-path package" pair per line, so parts do not edit a shared list.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

missing=()
while read -r probe pkg; do
  [[ -z ${probe:-} || $probe == \#* ]] && continue
  if [[ $probe == /* ]]; then
    [[ -e $probe ]] || missing+=("$pkg")
  else
    command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done < <(cat "$here"/setup.d/*.list)

# One package can serve several probes.
if ((${#missing[@]} > 0)); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
fi

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
