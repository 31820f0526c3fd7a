#!/bin/sh
# make demo: start switchboard with the demo provisioning on loopback and
# say how to register a phone and place a call. Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
DIR=${DEMO_DIR:-build/demo}
SIP=${DEMO_SIP:-127.0.0.1:5060}
HTTP=${DEMO_HTTP:-127.0.0.1:8080}
mkdir -p "$DIR"

cat <<MSG

  switchboard demo
  ================
  SIP   udp/tcp $SIP   (trunk: calls from 127.0.0.1 are accepted)
  HTTP  http://$HTTP/api/v1/   admin token: demo-admin-token
  DB    $DIR/switchboard.db

  Register a SIP phone as an agent (any softphone, or baresip):
    user alice / password alice-sip-1 / domain $SIP   (skills: billing)
    user bob   / password bob-sip-1   / domain $SIP   (skills: support)
    e.g. baresip with an accounts line:
      <sip:alice@$SIP>;auth_pass=alice-sip-1;answermode=auto

  Place a call through the trunk to the billing queue (+15550100):
    sipp $SIP -sn uac -s +15550100 -m 1
  or with baresip from another account:  /dial sip:+15550100@$SIP

  See what happened:
    curl -H 'Authorization: Bearer demo-admin-token' http://$HTTP/api/v1/calls
    curl -H 'Authorization: Bearer demo-admin-token' http://$HTTP/api/v1/agents

  Ctrl-C stops the demo.

MSG

exec "$BUILD/switchboard" serve \
	--sip-listen "$SIP" --http-listen "$HTTP" \
	--db "$DIR/switchboard.db" --admin-token demo-admin-token \
	--provision demo/provision.json
