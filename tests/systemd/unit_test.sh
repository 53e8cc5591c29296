#!/usr/bin/env bash
# The systemd unit meson configured (BUILD/kek.service): `systemd-analyze verify` accepts it
# (with ExecStart pointed at this build's binary, since nothing is installed here) and
# `systemd-analyze security` rates its exposure at most 2.0 ("OK"; 10 is a unit without any
# hardening). Exit 77 when systemd-analyze is missing.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze (package systemd) is missing"; exit 77; }
UNIT=$BUILD/kek.service
[ -f "$UNIT" ] || { echo "FAIL: $UNIT was not generated"; exit 1; }
WORK=$(mktemp -d /tmp/kek-unit-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
sed -E "s#^ExecStart=[^ ]+/kek #ExecStart=$BUILD/core/kek #" "$UNIT" >"$WORK/kek.service"
grep -q "^ExecStart=$BUILD/core/kek serve" "$WORK/kek.service" || { echo "FAIL: no ExecStart to rewrite"; exit 1; }
for key in Type=notify StateDirectory=kek User=kek ProtectSystem=strict ProtectHome=true NoNewPrivileges=true \
           PrivateTmp=true "SystemCallFilter=@system-service" "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
           WatchdogSec= ExecReload=; do
  grep -q "^$key" "$WORK/kek.service" || { echo "FAIL: the unit has no $key"; exit 1; }
done
if ! systemd-analyze verify "$WORK/kek.service" >"$WORK/verify.log" 2>&1; then
  cat "$WORK/verify.log"; echo "FAIL: systemd-analyze verify"; exit 1
fi
systemd-analyze security --offline=true --no-pager "$WORK/kek.service" >"$WORK/security.log" 2>&1 || true
score=$(grep -o "Overall exposure level for kek.service: [0-9.]*" "$WORK/security.log" | awk '{print $NF}')
[ -n "$score" ] || { cat "$WORK/security.log"; echo "FAIL: no exposure level"; exit 1; }
echo "systemd-analyze security: exposure $score"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || { grep "✗" "$WORK/security.log" | head -20; echo "FAIL: exposure $score > 2.0"; exit 1; }
echo "ok: verify passes, exposure $score"
