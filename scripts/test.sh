#!/usr/bin/env bash
# Runs the whole Custos test suite on a fresh machine, installing what it needs.
# Usage: scripts/test.sh            (as root, or with sudo for apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
command -v gcc >/dev/null || need_apt+=(gcc)
# Real IMAP peers for imapserver and delivery tests: Dovecot and mbsync.
{ command -v dovecot || test -x /usr/sbin/dovecot; } >/dev/null || need_apt+=(dovecot-imapd)
command -v mbsync >/dev/null || need_apt+=(isync)
if ((${#need_apt[@]})); then
	echo "== installing ${need_apt[*]}"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
command -v go >/dev/null || { echo "Go is needed: https://go.dev/dl (the module needs go $(awk '/^go /{print $2}' go.mod))"; exit 1; }

echo "== gofmt"
unformatted=$(gofmt -l .)
if [[ -n "$unformatted" ]]; then
	echo "not gofmt'ed:"; echo "$unformatted"; exit 1
fi
echo "== go vet"
go vet ./...
echo "== go test"
go test -count=1 -timeout 30m ./...
echo "== go test -race (format, store, pipeline and IMAP packages)"
go test -count=1 -race -timeout 20m ./item/... ./connector/... ./store/... ./directory/... ./export/... ./archive/... ./imapserver/... 2>&1 | tail -n 24
