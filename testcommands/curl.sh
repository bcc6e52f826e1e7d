#!/usr/bin/env bash
# Exercises a running gateway with curl, as a user would: create (JSON and streamed), chain, retrieve, list, delete.
# Usage: JUNCTION_URL=http://127.0.0.1:4000 JUNCTION_API_KEY=... MODEL=gpt-5-nano testcommands/curl.sh
set -euo pipefail
URL="${JUNCTION_URL:-http://127.0.0.1:4000}"
MODEL="${MODEL:-gpt-5-nano}"
AUTH=()
[ -n "${JUNCTION_API_KEY:-}" ] && AUTH=(-H "Authorization: Bearer ${JUNCTION_API_KEY}")
post() { curl -sS "${AUTH[@]}" -H 'content-type: application/json' "$URL/v1/responses" -d "$1"; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];console.log(typeof v==="string"?v:JSON.stringify(v))})' "$1"; }

echo "== models";            curl -sS "${AUTH[@]}" "$URL/v1/models"; echo
echo "== create";            first=$(post "{\"model\":\"$MODEL\",\"input\":\"Pick a number from 1 to 10. Answer with the number only.\"}")
id=$(echo "$first" | field id); echo "$id: $(echo "$first" | field status)"
echo "== chain (stream)";    post "{\"model\":\"$MODEL\",\"previous_response_id\":\"$id\",\"input\":\"Double it.\",\"stream\":true}" | grep '^event:' | sort | uniq -c
echo "== retrieve";          curl -sS "${AUTH[@]}" "$URL/v1/responses/$id" | field status
echo "== input items";       curl -sS "${AUTH[@]}" "$URL/v1/responses/$id/input_items?order=asc" | field data
echo "== delete";            curl -sS "${AUTH[@]}" -X DELETE "$URL/v1/responses/$id"; echo
echo "== retrieve deleted";  curl -sS "${AUTH[@]}" -o /dev/null -w '%{http_code}\n' "$URL/v1/responses/$id"
