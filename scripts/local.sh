#!/usr/bin/env bash
# make local: the SES v2 emulator (web inbox on SES_PORT) and the local API
# server (PORT), which starts AWS's DynamoDB Local (the jar in node_modules,
# under Java) unless DYNAMODB_ENDPOINT names another DynamoDB, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

export PORT="${PORT:-3000}"
SES_PORT="${SES_PORT:-8005}"
export SES_ENDPOINT="${SES_ENDPOINT:-http://localhost:${SES_PORT}}"
export AWS_REGION="${AWS_REGION:-us-east-1}"

ses_pid=""
cleanup() { [ -n "$ses_pid" ] && kill "$ses_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if curl -fsS "${SES_ENDPOINT}/health-check" >/dev/null 2>&1; then
  echo "SES emulator already running at ${SES_ENDPOINT}"
else
  node node_modules/aws-ses-v2-local/dist/cli.js --host 127.0.0.1 --port "${SES_PORT}" &
  ses_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "${SES_ENDPOINT}/health-check" >/dev/null 2>&1 && break
    sleep 0.1
  done
fi

if [ -n "${DYNAMODB_ENDPOINT:-}" ]; then
  dynamodb="${DYNAMODB_ENDPOINT} (DYNAMODB_ENDPOINT)"
elif [ -n "${DYNAMODB_DATA:-}" ]; then
  dynamodb="AWS's DynamoDB Local, started here; data kept in ${DYNAMODB_DATA} (DYNAMODB_DATA)"
else
  dynamodb="AWS's DynamoDB Local, started here; in memory, data lost on exit (DYNAMODB_DATA=dir keeps it)"
fi

cat <<MSG

  Members API + console:  http://localhost:${PORT}
  SES inbox (emails):     ${SES_ENDPOINT}
  DynamoDB:               ${dynamodb}

  Listening on ${HOST:-127.0.0.1} only (HOST changes it): POST /_local/token
  mints a valid token for any email address, for anyone who can reach it.

MSG
go run ./cmd/local
