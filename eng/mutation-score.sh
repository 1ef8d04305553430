#!/usr/bin/env bash
# Prints the mutation score per folder from a Stryker JSON report (mutation-testing-elements schema).
#   eng/mutation-score.sh <mutation-report.json> [path prefix to strip]
# Score = detected / (detected + undetected), where detected = Killed + Timeout and undetected = Survived + NoCoverage;
# mutants Stryker ignored or could not compile do not count, as in Stryker's own score.
set -euo pipefail
report=$1
prefix=${2:-}
jq -r --arg prefix "$prefix" '
  [ .files | to_entries[] | .key as $file
    | ($file | sub("^.*?" + $prefix; "") | split("/") | if length > 1 then .[0:-1] | join("/") else "." end) as $folder
    | .value.mutants[] | { folder: $folder, status: .status } ]
  | group_by(.folder)
  | map({
      folder: .[0].folder,
      killed: map(select(.status == "Killed" or .status == "Timeout")) | length,
      survived: map(select(.status == "Survived" or .status == "NoCoverage")) | length
    })
  | (["folder", "killed", "survived", "score"] | @tsv),
    (.[] | [ .folder, .killed, .survived,
             (if .killed + .survived == 0 then "n/a" else ((.killed * 1000 / (.killed + .survived) | floor) / 10 | tostring) + "%" end) ] | @tsv),
    ([ "total", (map(.killed) | add), (map(.survived) | add),
       ((map(.killed) | add) as $k | (map(.survived) | add) as $s
        | if $k + $s == 0 then "n/a" else ((($k * 1000 / ($k + $s)) | floor) / 10 | tostring) + "%" end) ] | @tsv)
' "$report" | column -t -s $'\t'
