#!/usr/bin/env bash
# The README's two commands:
#   ./run.sh serve   set everything up, load the WSCB plan and demo users, serve on :8000, with
#                    the background worker (manage.py db_worker: Board packs, round e-mails)
#                    and a loop that runs manage.py run_rounds each minute beside the server
#   ./run.sh test    set everything up and run the whole test suite (extra args go to pytest),
#                    including the browser tests: it installs Chromium (apt) and axe-core (npm)
# Set DATABASE_URL to use PostgreSQL instead of the default SQLite file under var/.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

say() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_install() {
  # Installs Debian packages when we can (root or sudo); otherwise says exactly what to run.
  if command -v apt-get >/dev/null && as_root true 2>/dev/null; then
    say "Installing Debian packages: $*"
    as_root apt-get update -qq || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  else
    echo "Please install these system packages, then run this again: $*" >&2
    exit 1
  fi
}

check_python() {
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Actionplan needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
    exit 1
  fi
  if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install python3-venv
  fi
}

check_system_libraries() {
  # WeasyPrint (Board packs) needs Pango; the packs also need a font with wide coverage.
  local missing=()
  ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || missing+=(libpangoft2-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
  if command -v fc-list >/dev/null; then
    fc-list | grep -qi 'dejavu\|liberation\|noto' || missing+=(fonts-dejavu-core)
  else
    missing+=(fontconfig fonts-dejavu-core)
  fi
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

setup_venv() {
  check_python
  check_system_libraries
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating a virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    say "Installing Python packages"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet ".[test]"
    rm -f "$VENV"/.installed-* && touch "$stamp"
  fi
  write_development_env
}

setup_browser_tests() {
  # tests/browser drive Debian's Chromium and inject axe-core (npm, pinned in package-lock.json).
  # Installed when we can; without them those tests are skipped with a message saying how to
  # install them (and fail under CI, which must run them).
  if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null && as_root true 2>/dev/null; then
      apt_install chromium || echo "Could not install Chromium: browser tests will not run." >&2
    else
      echo "Browser tests need Chromium: apt-get install chromium (as root)." >&2
    fi
  fi
  local stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    if command -v npm >/dev/null; then
      say "Installing axe-core for the browser tests (npm ci)"
      if npm ci --no-audit --no-fund --loglevel=error; then
        touch "$stamp"
      else
        echo "npm ci failed: browser tests will not run." >&2
      fi
    else
      echo "Browser tests need axe-core: install Node.js and npm, then run npm ci." >&2
    fi
  fi
}

write_development_env() {
  # manage.py reads var/development.env (never the WSGI server; a deployment has no such
  # file), so that `.venv/bin/python manage.py ...` works in this checkout as it is set up.
  if [ ! -f var/development.env ]; then
    mkdir -p var
    printf '%s\n' \
      "# Written by ./run.sh: manage.py in this development checkout reads it; variables" \
      "# already set in the environment win. Delete it to run manage.py as a deployment." \
      "DEBUG=true" > var/development.env
  fi
}

manage() { "$VENV/bin/python" manage.py "$@"; }

serve() {
  setup_venv
  export DEBUG=${DEBUG:-true}
  mkdir -p var
  say "Preparing the database"
  manage migrate --no-input -v 0
  manage createcachetable
  manage load_plan fixtures/wscb_cse_action_plan.json
  manage seed_demo
  # Board packs and round e-mails are made by this worker, not in the web request; it stops
  # with the server. TASK_BACKEND=rq uses RQ on Redis instead (docs/production.md).
  if [ "${TASK_BACKEND:-database}" = rq ]; then
    say "Starting the background worker (manage.py rqworker, RQ on Redis)"
    manage rqworker default --job-class django_tasks_rq.Job &
  else
    say "Starting the background worker (manage.py db_worker)"
    manage db_worker --no-reload --no-startup-delay &
  fi
  worker=$!
  say "Sending reporting rounds' e-mails every minute (manage.py run_rounds; printed below)"
  # In production cron or a systemd timer runs run_rounds (docs/rounds.md); here a loop does,
  # and the console e-mail backend prints each e-mail in this terminal.
  ( while sleep 60; do manage run_rounds >/dev/null; done ) &
  rounds=$!
  trap 'kill "$worker" "$rounds" 2>/dev/null; wait "$worker" "$rounds" 2>/dev/null' EXIT
  say "Serving Actionplan on http://127.0.0.1:8000/ (Ctrl+C to stop)"
  "$VENV/bin/python" manage.py runserver 127.0.0.1:8000
}

run_tests() {
  setup_venv
  setup_browser_tests
  say "Running the test suite on ${DATABASE_URL:-SQLite}"
  exec "$VENV/bin/python" -m pytest "$@"
}

case "${1:-}" in
  serve) shift; serve "$@" ;;
  test) shift; run_tests "$@" ;;
  *) echo "usage: ./run.sh serve | ./run.sh test [pytest args]" >&2; exit 2 ;;
esac
