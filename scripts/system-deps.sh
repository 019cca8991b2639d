#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing.
#   scripts/system-deps.sh runtime   libdmtx (DataMatrix encoder used through pylibdmtx)
#   scripts/system-deps.sh test      + the real readers the tests check artifacts with, Node + npm
#   scripts/system-deps.sh bench     + the test tools and wrk (the status-route load generator)
set -euo pipefail
packages=(libdmtx0b)
if [ "${1:-runtime}" = "test" ] || [ "${1:-runtime}" = "bench" ]; then
  # rsvg-convert (SVG), Ghostscript (EPS), poppler (pdftoppm, pdftotext), qpdf (--check), unzip -t
  packages+=(librsvg2-bin ghostscript poppler-utils qpdf unzip)
  # openssl: the throw-away CA and certificates of the Kafka TLS tests (tests/support/certs.py)
  packages+=(openssl)
  # Headless browser for the dashboard test (driven by Playwright's Python package, never its
  # own browser download).
  packages+=(chromium)
  # Node and npm for the independent ZPL renderer (npm zpl-renderer-js, installed by the tests
  # from the npm registry; tests/support/zpl_render.py). Only when missing: a Node from another
  # source (NodeSource ships npm inside its nodejs) must not be replaced by Debian's.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
  fi
fi
[ "${1:-runtime}" = "bench" ] && packages+=(wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
