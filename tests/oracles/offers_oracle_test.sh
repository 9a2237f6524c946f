#!/usr/bin/env bash
# gpubox offers --json equals an independent computation over the catalog facts,
# for many random requirement sets.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/offers_oracle.py" "$1" "$here/../../data/catalog.tsv" 400
