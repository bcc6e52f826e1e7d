#!/usr/bin/env bash
# Refreshes test/fixtures/ from the workplace's shared/ folder (recordings, both OpenAPI specs, client bodies),
# so that a lone clone of this repository carries everything its tests read. Never edit a copied file by
# hand: fix the source and run this again. Files whose name says `synthetic` are ours and are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared}"
if [ ! -d "$shared/fixtures" ]; then
  echo "refresh-fixtures: no $shared/fixtures here; the committed copy in test/fixtures/ stays as it is" >&2
  exit 1
fi
dest=test/fixtures
for provider in openai openrouter xai; do
  mkdir -p "$dest/$provider"
  # Recordings are replaced whole; synthetic fixtures (ours) stay.
  find "$dest/$provider" -maxdepth 1 -type f ! -name '*synthetic*' -delete
  cp "$shared/fixtures/$provider"/* "$dest/$provider/"
done
cp "$shared/fixtures/PROVENANCE.md" "$dest/PROVENANCE.md"
mkdir -p "$dest/spec" "$dest/clients"
cp "$shared/spec"/* "$dest/spec/"
cp "$shared/clients"/* "$dest/clients/"
echo "refresh-fixtures: copied $(find "$dest" -type f | wc -l) files from $shared into $dest"
