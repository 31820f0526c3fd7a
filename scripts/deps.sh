#!/bin/sh
# Install what switchboard needs to build, test, demo and benchmark on Debian 12.
# Idempotent: packages already present are not touched, so a second run is a no-op.
set -eu

PKGS="build-essential clang pkg-config libre-dev libsqlite3-dev libssl-dev
      sqlite3 sip-tester baresip-core python3 kamailio jq tshark
      libclang-rt-14-dev procps iproute2 curl espeak-ng sox chromium nodejs
      libpocketsphinx-dev pocketsphinx-en-us flite
      sphinxtrain sphinxbase-utils pocketsphinx
      libcurl4-openssl-dev python3-cryptography"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# npm: part of some nodejs builds, a package of its own in Debian's
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps.sh: missing packages:$missing (run as root to install)" >&2
		exit 1
	fi
	echo "deps.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# the browser tests' playwright-core (tests/web), pinned by its lock file
if [ ! -d "$(dirname "$0")/../tests/web/node_modules/playwright-core" ]; then
	echo "deps.sh: npm ci in tests/web" >&2
	(cd "$(dirname "$0")/../tests/web" &&
		npm ci --no-audit --no-fund >/dev/null)
fi

# the Service Cloud Voice connector and its jest tests (connectors/scv),
# pinned by its lock file
if [ ! -d "$(dirname "$0")/../connectors/scv/node_modules/jest" ]; then
	echo "deps.sh: npm ci in connectors/scv" >&2
	(cd "$(dirname "$0")/../connectors/scv" &&
		npm ci --no-audit --no-fund >/dev/null)
fi
