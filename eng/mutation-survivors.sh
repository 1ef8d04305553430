#!/usr/bin/env bash
# Lists the mutants a Stryker JSON report (mutation-testing-elements schema) says no test detected: Survived and
# NoCoverage, one per line, as file:line, the mutator, the replacement, and the original source line.
#   eng/mutation-survivors.sh <mutation-report.json> [path prefix to strip]
set -euo pipefail
report=$1
prefix=${2:-}
jq -r --arg prefix "$prefix" '
  .files | to_entries[] | .key as $file | (.value.source | split("\n")) as $lines
  | .value.mutants[] | select(.status == "Survived" or .status == "NoCoverage")
  | [ ($file | sub("^.*?" + $prefix; "")) + ":" + (.location.start.line | tostring),
      .status, .mutatorName, (.replacement // "" | gsub("\\s+"; " ") | .[0:80]),
      ($lines[.location.start.line - 1] | gsub("^\\s+"; "") | .[0:120]) ]
  | @tsv
' "$report" | sort -t: -k1,1 -k2,2n
