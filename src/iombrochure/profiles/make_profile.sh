#!/usr/bin/env bash
# Rebuild FOGRA39-coated.icc from Fogra's characterization data, as it was made.
# Needs Debian's icc-profiles-free (the data, FOGRA39L.ti3) and argyll (colprof); neither is
# needed to build publications, only to remake this profile. Takes a minute or two.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp /usr/share/color/icc/FOGRA39L.ti3 "$work/"
cd "$work"
# -qm medium quality; -kr black generation: a ramp (GCR); -l330 total ink limit 330 %
# (ISO 12647-2 coated); -L98 black ink limit; -S/-cmt/-dpp: perceptual tables gamut-mapped
# from sRGB, the colour space of the project's pictures.
colprof -qm -kr -l330 -L98 \
  -S /usr/share/color/icc/sRGB.icc -cmt -dpp \
  -A "iombrochure" \
  -D "Coated FOGRA39 (ISO 12647-2:2004), iombrochure" \
  -C "Zlib licence. Made with ArgyllCMS colprof from FOGRA39L.ti3 (Kai-Uwe Behrmann, icc-profiles-free)" \
  -O FOGRA39-coated.icc FOGRA39L
cp FOGRA39-coated.icc "$here/FOGRA39-coated.icc"
echo "wrote $here/FOGRA39-coated.icc"
