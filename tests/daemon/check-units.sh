#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd-analyze verify on the units meson generated, with ExecStart pointed
# at the programs just built (the installed paths do not exist yet).  TAP.
set -u
unit_dir=$1; hub=$2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
echo "1..3"
sed -e "s|^ExecStartPre=[^ ]*|ExecStartPre=$hub|" -e "s|^ExecStart=[^ ]*|ExecStart=$hub|" \
  "$unit_dir/wardbridged.service" > "$work/wardbridged.service"
sed -e "s|^ExecStart=[^ ]*|ExecStart=/bin/true|" \
  "$unit_dir/wardbridge-endpoint.service" > "$work/wardbridge-endpoint.service"
n=0
for u in wardbridged.service wardbridge-endpoint.service; do
  n=$((n + 1))
  if out=$(cd "$work" && systemd-analyze verify "./$u" 2>&1) && [ -z "$out" ]; then
    echo "ok $n - systemd-analyze verify $u"
  else
    echo "not ok $n - systemd-analyze verify $u"; echo "$out" | sed 's/^/# /'
  fi
done
score=$(cd "$work" && systemd-analyze security --offline=true ./wardbridged.service 2>/dev/null \
  | sed -n 's/.*Overall exposure level for wardbridged.service: \([0-9.]*\).*/\1/p')
# Keep the hub's exposure at 2.0 or below ("OK" is under 4.0).
if [ -n "$score" ] && awk "BEGIN{exit !($score <= 2.0)}"; then
  echo "ok 3 - wardbridged.service exposure $score"
else
  echo "not ok 3 - wardbridged.service exposure '${score}' above 2.0"
fi
