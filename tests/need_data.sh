#!/usr/bin/env bash
# Guards a suite that reads pinned data from ../shared. Usage:
#   need_data.sh STEP DIR GLOB LOG
# Exit 0 when DIR holds at least one file matching GLOB (the suite runs). Otherwise it writes
# the reason and a result line to LOG and exits 1 (the suite must not run):
#   under CI (CI=true) the data missing is a failure — "STEP: 0 passed, 1 failed";
#   on a developer's machine it is a loud skip — "STEP: 0 passed, 0 failed, 1 skipped" — saying
#   where the suite was looked for and how to get it at its pinned commit (DIR/PINNED, or
#   ../shared/README.md).
set -u
step=$1 dir=$2 glob=$3 log=$4
shopt -s nullglob
files=("$dir"/$glob)
[ ${#files[@]} -gt 0 ] && exit 0
abs=$(cd "$(dirname "$dir")" 2>/dev/null && pwd)/$(basename "$dir")
pin="see ../shared/README.md"
[ -f "$dir/PINNED" ] && pin=$(head -n 1 "$dir/PINNED")
{
  echo "################################################################################"
  echo "$step: NO DATA — no $glob under $abs"
  echo "$step: the suite is pinned as: $pin"
  echo "$step: put that checkout at $dir (../shared beside the project), or point the suite at"
  echo "$step: it (e.g. make $step SPEC_SUITE=/path/to/testsuite)."
  if [ "${CI:-}" = "true" ]; then
    echo "$step: CI=true, so missing data is a FAILURE"
    echo "$step: 0 passed, 1 failed"
  else
    echo "$step: SKIPPED (set CI=true to make this a failure)"
    echo "$step: 0 passed, 0 failed, 1 skipped"
  fi
  echo "################################################################################"
} | tee "$log" >&2
[ "${CI:-}" = "true" ] && exit 2
exit 1
