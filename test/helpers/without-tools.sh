#!/bin/sh
# Runs a command as on a machine without some tools (default: nft, conntrack, promtool), to check
# that the tests needing them skip with the tool's name: in a private mount namespace, each tool's
# file is covered by /dev/null, which is not executable. Needs root (unshare -m). The namespace is a
# slave of the host's: network namespaces that others add under /run/netns still show up in it.
# Usage: test/helpers/without-tools.sh [-t "nft conntrack promtool"] command [args...]
set -eu
tools="nft conntrack promtool"
if [ "${1:-}" = "-t" ]; then tools="$2"; shift 2; fi
exec unshare -m --propagation slave sh -c '
  for tool in $1; do
    for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
      [ -e "$dir/$tool" ] && mount --bind /dev/null "$dir/$tool"
    done
  done
  shift
  exec "$@"' without-tools "$tools" "$@"
