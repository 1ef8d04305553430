#!/usr/bin/env bash
# Usage: eng/test.sh [--prerequisites-only] [dotnet test arguments...]
#
# Runs every test of the repository on a Debian or Ubuntu machine, installing first what the tests need and a fresh
# machine lacks:
#   postgresql          the PostgreSQL server programs (initdb, pg_ctl): HealthKit.Npgsql.Tests start their own servers
#   chromium            the browser the status page tests drive (Playwright cannot download its own here)
#   fonts-dejavu-core   the font with the status page's check mark and cross, which its screenshots show
#   prometheus          Debian's Prometheus: promtool and the server, which HealthKit.Fleet.Tests run on the metrics
# It installs them with apt-get as root, or through sudo when sudo needs no password. When it can do neither, it stops
# (exit 3) and names the packages to install. Then it runs `dotnet test` with the remaining arguments.
#
# Where it looks, each overridable (the test of this script points them at empty folders):
#   HEALTHKIT_TEST_POSTGRESQL_ROOT  Debian's PostgreSQL folder, with <version>/bin/initdb  (default /usr/lib/postgresql;
#                                   initdb and pg_ctl on the PATH count too)
#   HEALTHKIT_TEST_CHROMIUM         the browser, as the browser tests read it      (default /usr/bin/chromium)
#   HEALTHKIT_TEST_FONTS            the DejaVu fonts folder                        (default /usr/share/fonts/truetype/dejavu)
#   HEALTHKIT_TEST_PROMETHEUS_BIN   a folder with promtool and prometheus, as HealthKit.Fleet.Tests read it
#                                   (default /usr/bin; the PATH counts too)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

prerequisites_only=false
if [ "${1:-}" = "--prerequisites-only" ]; then
  prerequisites_only=true
  shift
fi

log() { printf '==> %s\n' "$*"; }

postgresql_root=${HEALTHKIT_TEST_POSTGRESQL_ROOT:-/usr/lib/postgresql}
chromium=${HEALTHKIT_TEST_CHROMIUM:-/usr/bin/chromium}
fonts=${HEALTHKIT_TEST_FONTS:-/usr/share/fonts/truetype/dejavu}
prometheus_bin=${HEALTHKIT_TEST_PROMETHEUS_BIN:-/usr/bin}

has_postgresql() {
  local initdb
  for initdb in "$postgresql_root"/*/bin/initdb; do
    [ -x "$initdb" ] && [ -x "$(dirname "$initdb")/pg_ctl" ] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}
has_chromium() { [ -x "$chromium" ]; }
has_fonts() { [ -f "$fonts/DejaVuSans.ttf" ]; }
has_prometheus() {
  { [ -x "$prometheus_bin/promtool" ] && [ -x "$prometheus_bin/prometheus" ]; } ||
    { command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; }
}

missing() {
  local packages=()
  has_postgresql || packages+=(postgresql)
  has_chromium || packages+=(chromium)
  has_fonts || packages+=(fonts-dejavu-core)
  has_prometheus || packages+=(prometheus)
  echo "${packages[*]}"
}

# Prints how to run a command as root, or fails when this user cannot.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    echo ""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    echo "sudo"
  else
    return 1
  fi
}

packages=$(missing)
if [ -z "$packages" ]; then
  log "prerequisites: all present"
else
  if ! command -v apt-get >/dev/null 2>&1 || ! root=$(as_root); then
    reason="this user is not root and has no password-less sudo"
    command -v apt-get >/dev/null 2>&1 || reason="apt-get is not available"
    echo "eng/test.sh: the tests need the Debian packages: ${packages}" >&2
    echo "eng/test.sh: cannot install them (${reason}); install them with: sudo apt-get install ${packages}" >&2
    exit 3
  fi

  log "installing the Debian packages: ${packages}"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086 # $root is empty or "sudo"; $packages is a list of words.
  # Waits for another apt-get to finish, as on a machine that is still installing its own updates.
  lock=(-o DPkg::Lock::Timeout=300)
  if ! $root apt-get "${lock[@]}" update -qq || ! $root apt-get "${lock[@]}" install -y -qq --no-install-recommends $packages >/dev/null; then
    echo "eng/test.sh: apt-get could not install: ${packages}" >&2
    exit 3
  fi

  # The Debian packages start services of their own (PostgreSQL on 5432, Prometheus on 9090); the tests need neither.
  for service in postgresql prometheus; do
    # shellcheck disable=SC2086
    $root service "$service" stop >/dev/null 2>&1 || true
  done

  still=$(missing)
  if [ -n "$still" ]; then
    echo "eng/test.sh: apt-get ran, and these are still missing: ${still}" >&2
    echo "eng/test.sh: the lookup paths are ${postgresql_root}, ${chromium}, ${fonts} and ${prometheus_bin}" >&2
    exit 3
  fi
fi

if [ "$prerequisites_only" = true ]; then
  exit 0
fi

# One test project at a time unless told otherwise: the projects start real processes (the sample, PostgreSQL servers,
# Chromium, Prometheus, nested dotnet builds) and check answers against deadlines of a few hundred milliseconds, and on
# two cores one project's builds can eat another's deadlines. Tests within a project still run in parallel.
case " $* " in
  *" --max-parallel-test-modules "*|*" --max-parallel-test-modules="*) ;;
  *) set -- --max-parallel-test-modules 1 "$@" ;;
esac

log "dotnet test $*"
exec dotnet test "$@"
