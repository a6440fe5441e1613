#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Lints the OpenAPI document of the HTTP API (src/api/openapi.json) with
# Redocly's linter.  Not a meson test: it needs Node.js and @redocly/cli,
# which the build does not.  Uses `redocly` from PATH when there is one,
# else `npx @redocly/cli` (which fetches it from the npm registry once).
#
#   tools/lint-openapi.sh            # exit 0 when valid and free of warnings
set -eu

here=$(dirname "$0")
doc="$here/../src/api/openapi.json"

if command -v redocly >/dev/null 2>&1; then
  exec redocly lint --max-problems 50 "$doc"
fi
exec npx --yes @redocly/cli lint --max-problems 50 "$doc"
