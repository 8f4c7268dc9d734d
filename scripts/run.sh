#!/usr/bin/env bash
# The main job: install, build, check the shipped 2017 Astana scenario and summarise its zones.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/src/cli/truce scenario check scenarios/astana-2017
build/src/cli/truce zones scenarios/astana-2017 --summary
