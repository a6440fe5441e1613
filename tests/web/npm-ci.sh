#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the end-to-end tests' Node packages (playwright-core) into the
# build tree, exactly as package-lock.json pins them.
#   npm-ci.sh NPM DIR STAMP
set -eu
npm=$1
dir=$2
stamp=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
cd "$dir"
"$npm" ci --no-audit --no-fund --ignore-scripts --loglevel=error
touch "$stamp"
