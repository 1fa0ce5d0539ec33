#!/usr/bin/env bash
# Installs the Debian packages fakturaportal needs on a dev/CI machine
# (Debian 12). Idempotent and fast: everything is checked first (one
# dpkg-query call, a few `command -v`), and apt-get runs only when something is
# missing. As non-root it only reports what is missing.
#
#   PostgreSQL server       postgresql (Debian's major version: 15 on Debian 12)
#   Java 17+ (Kafka broker) openjdk-17-jre-headless   -- only if no java >= 17
#   Maven (fetches Kafka)   maven                     -- only if no mvn
#   OCR                     tesseract-ocr tesseract-ocr-nor tesseract-ocr-eng
#   headless browser tests  chromium chromium-driver
#   PDF tools               poppler-utils (pdftoppm, pdftotext)
#   Python venv             python3-venv              -- only if python3.11/python3 cannot make a venv
#
# usage: deploy/local/install-system.sh [--check]
#   --check   only report; exit 1 if something is missing
set -euo pipefail

log() { echo "[install-system] $*"; }
err() { echo "[install-system] ERROR: $*" >&2; }

check_only=0
case "${1:-}" in
    --check) check_only=1 ;;
    "") ;;
    *)
        echo "usage: $0 [--check]" >&2
        exit 2
        ;;
esac

missing=()   # package names
reasons=()   # one line per package, same order

want() { missing+=("$1"); reasons+=("$1 ($2)"); }

# Packages checked by name. (dpkg-query prints nothing for unknown packages,
# so anything not reported as "installed" counts as missing.)
plain_packages=(tesseract-ocr tesseract-ocr-nor tesseract-ocr-eng chromium chromium-driver poppler-utils)
declare -A installed=()
while read -r name status; do
    [[ "$status" == installed ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${plain_packages[@]}" 2>/dev/null || true)
for p in "${plain_packages[@]}"; do
    if [[ -z "${installed[$p]:-}" ]]; then
        case "$p" in
            tesseract-ocr*) want "$p" "OCR of scanned invoices" ;;
            chromium*) want "$p" "headless browser tests" ;;
            poppler-utils) want "$p" "PDF rendering/text extraction" ;;
        esac
    fi
done

# PostgreSQL server: any major version under /usr/lib/postgresql will do.
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    want postgresql "PostgreSQL server for deploy/local/postgres.sh"
fi

# Java >= 17 (Kafka 4.x brokers need 17+).
java_major=0
if command -v java >/dev/null 2>&1; then
    java_major="$(java -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1)"
    java_major="${java_major:-0}"
fi
if ((java_major < 17)); then
    if ((java_major == 0)); then
        want openjdk-17-jre-headless "Java for the Kafka broker: no java found"
    else
        want openjdk-17-jre-headless "Java for the Kafka broker: found Java $java_major, need 17+"
    fi
fi

command -v mvn >/dev/null 2>&1 || want maven "fetches the Kafka jars from Maven Central"

# venv: the project's python (python3.11, else python3) must have ensurepip.
py=""
for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1; then
        py="$cand"
        break
    fi
done
if [[ -z "$py" ]]; then
    want python3 "Python 3 (Debian 12: 3.11)"
    want python3-venv "python -m venv"
elif ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    want python3-venv "$py -m venv needs ensurepip"
fi

if ((${#missing[@]} == 0)); then
    log "all system packages present"
    exit 0
fi

if ((check_only)) || ((EUID != 0)); then
    for r in "${reasons[@]}"; do log "missing: $r"; done
    if ((EUID != 0)) && ((!check_only)); then
        err "not root: install them with"
        err "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    fi
    exit 1
fi

for r in "${reasons[@]}"; do log "installing $r"; done
export DEBIAN_FRONTEND=noninteractive
started=$SECONDS
apt_log="$(mktemp /tmp/install-system.XXXXXX.log)"
if ! {
    apt-get update -q &&
        apt-get install -y -q --no-install-recommends "${missing[@]}"
} >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    err "apt-get failed (full log: $apt_log)"
    exit 1
fi
rm -f "$apt_log"
log "installed ${#missing[@]} package(s) in $((SECONDS - started)) s"
