#!/usr/bin/env bash
# The main job: install, build, then run the server with the shipped 2017 Astana scenario on
# the embedded SQLite store (truce.db), dashboard at http://127.0.0.1:8080/.
# The public view needs no token; for violations and submissions make one with
#   build/src/cli/truce token create --db truce.db --role monitor
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/src/cli/truce scenario check scenarios/astana-2017
exec build/src/cli/truce serve --db truce.db --scenario scenarios/astana-2017 \
  --seed scenarios/astana-2017 \
  --listen 127.0.0.1:8080 --web web/dist
