#!/usr/bin/env bash
# The fuzz suite: validates the served OpenAPI document (OpenAPI 3.1) and runs schemathesis
# over it against a real `callhost serve --ephemeral`, once on SQLite and, when
# CALLHOST_TEST_DATABASE_URL is set, once on PostgreSQL. Every operation, a fixed seed and a
# bounded number of examples, so a run is repeatable and fits the test command's time; the
# checks: no 5xx, documented statuses, documented content types, answers that match their
# schemas. Settings: fuzz/schemathesis.toml.
#   usage: scripts/fuzz.sh [path/to/callhost]
#   FUZZ_MAX_EXAMPLES (default 10) and FUZZ_SEED (default 1) change the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/debug/callhost}
venv=$root/fuzz/.venv
max_examples=${FUZZ_MAX_EXAMPLES:-10}
seed=${FUZZ_SEED:-1}

# An exclusion goes here with its reason, as schemathesis filter options. The test-driving
# surfaces under /callhost/v1/ are not fuzzed: what they are for would fail the run (a fault
# rule makes REST routes answer 5xx, an event stream never ends, a reset wipes the records
# the other operations use); their own API and browser tests cover them
# (docs/automation.md, docs/fixtures.md).
exclusions=(--exclude-path-regex '^/callhost/v1/')

# Hostile values, offered 30% of the time to the text fields the API stores or searches: a NUL
# character, and 3,000 characters of varied text (more than an index row of PostgreSQL takes).
hostile_on=(sqlite postgresql)

# The TOML of the hostile values and the body fields they are offered to.
hostile_values() {
  "$venv/bin/python" - <<'PY'
import json, random
text = random.Random(17).choices("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=3000)
print("[dictionaries.hostile-text]")
print("values = " + json.dumps(["a\u0000b", "".join(text)]))
fields = ["firstname", "lastname", "company", "name", "dealname", "subject", "content",
          "hs_call_body", "hs_call_title", "hs_call_external_id"]
keys = [f"body.{at}.{field}" for at in ("properties", "inputs[*].properties") for field in fields]
keys += ["body.query", "body.filterGroups[*].filters[*].value", "body.externalCallId"]
for key in keys:
    print(f'[parameters."{key}"]\ndictionary = "hostile-text"\nprobability = 0.3')
PY
}

field() { "$venv/bin/python" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# A GET of the API with the access token, its body on stdout (Python: no curl needed).
get() {
  "$venv/bin/python" -c '
import os, sys, urllib.request
request = urllib.request.Request(os.environ["CALLHOST_API_URL"] + sys.argv[1],
    headers={"Authorization": "Bearer " + os.environ["CALLHOST_ACCESS_TOKEN"]})
sys.stdout.buffer.write(urllib.request.urlopen(request, timeout=30).read())' "$1"
}

# Some ids of the server's objects of type $1, as TOML strings.
object_ids() {
  get "/crm/v3/objects/$1?limit=5" |
    "$venv/bin/python" -c 'import json,sys; print(", ".join(json.dumps(o["id"]) for o in json.load(sys.stdin)["results"]))'
}

run_against() {
  local label=$1; shift
  local work; work=$(mktemp -d)
  echo "== fuzz suite on $label"
  coproc SERVER { exec "$bin" serve --ephemeral --listen 127.0.0.1:0 --demo-listen off "$@" 2>"$work/server.log"; }
  local pid=$SERVER_PID line=""
  if ! read -t 60 -r line <&"${SERVER[0]}" || [[ $line != "callhost ready "* ]]; then
    echo "callhost did not print its ready line; its log:" >&2; cat "$work/server.log" >&2; return 1
  fi
  local ready=${line#callhost ready }
  export CALLHOST_API_URL CALLHOST_DEV_API_KEY CALLHOST_ACCESS_TOKEN
  CALLHOST_API_URL=$(field "$ready" apiUrl)
  CALLHOST_DEV_API_KEY=$(field "$ready" developerApiKey)
  CALLHOST_ACCESS_TOKEN=$(field "$ready" accessToken)
  local demo_app; demo_app=$(field "$ready" demoAppId)
  local status=0 started=$SECONDS

  get /openapi.json >"$work/openapi.json"
  if ! "$venv/bin/python" -m openapi_spec_validator "$work/openapi.json"; then
    echo "the served OpenAPI document is not valid OpenAPI 3.1" >&2; status=1
  fi

  # Ids that exist on this server, most of the time, as for object types.
  { cat "$root/fuzz/schemathesis.toml"
    echo
    echo "[dictionaries.object-ids]"
    echo "values = [$(object_ids contacts), $(object_ids companies)]"
    echo "[dictionaries.app-ids]"
    echo "values = [\"$demo_app\"]"
    echo "[parameters.\"path.objectId\"]"
    echo 'dictionary = "object-ids"'
    echo 'probability = 0.7'
    echo "[parameters.\"path.toObjectId\"]"
    echo 'dictionary = "object-ids"'
    echo 'probability = 0.7'
    echo "[parameters.\"path.appId\"]"
    echo 'dictionary = "app-ids"'
    echo 'probability = 0.8'
    if [[ " ${hostile_on[*]} " == *" $label "* ]]; then hostile_values; fi
  } >"$work/schemathesis.toml"

  local TIMEFORMAT="schemathesis on $label: %R s, %U s user and %S s system CPU"
  time (cd "$work" && "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run \
      "$CALLHOST_API_URL/openapi.json" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --phases examples,coverage,fuzzing \
      --seed "$seed" --max-examples "$max_examples" --no-shrink \
      --request-timeout 30 --workers 1 --warnings off \
      "${exclusions[@]}") || status=1
  echo "fuzz suite on $label: $((SECONDS - started)) s; callhost used $(ps -o times= -p "$pid" | tr -d ' ') s of CPU"

  kill -TERM "$pid"
  wait "$pid" || true
  if [[ $status -ne 0 ]]; then
    echo "the server's log is in $work/server.log" >&2
  else
    rm -rf "$work"
  fi
  return $status
}

passed=0 failed=0
count() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi; }
count run_against sqlite
if [[ -n ${CALLHOST_TEST_DATABASE_URL:-} ]]; then
  count run_against postgresql --database-url "$CALLHOST_TEST_DATABASE_URL"
else
  echo "CALLHOST_TEST_DATABASE_URL is not set: skipping the PostgreSQL fuzz run"
fi
# One line in the plain form test reports read: a run per backend.
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
