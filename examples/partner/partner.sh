#!/usr/bin/env bash
# A partner call with curl alone: POST the operation's id from schema/operations/partner-manifest.json
# (sha256 of its body) with your variables and your API key. Nothing else is accepted from a partner.
#   HEMP_API_KEY=... examples/partner/partner.sh          (HEMP_API_URL defaults to the local stack)
set -euo pipefail
HEMP_API_URL="${HEMP_API_URL:-http://localhost:4000/graphql}"
: "${HEMP_API_KEY:?set HEMP_API_KEY to your partner API key}"
# PartnerActiveListings, from schema/operations/partner-manifest.json
OPERATION_ID=1954487d2cbede30f56289ae88fe2ab0a4c948c94c4dacaab60fa696b56eab80

curl --silent --show-error --fail-with-body "$HEMP_API_URL" \
  -H 'content-type: application/json' \
  -H "x-api-key: $HEMP_API_KEY" \
  --data '{"operationName":"PartnerActiveListings","variables":{"productType":"HEMP_OIL","province":"GAUTENG","first":20},"extensions":{"persistedQuery":{"version":1,"sha256Hash":"'"$OPERATION_ID"'"}}}'
echo
