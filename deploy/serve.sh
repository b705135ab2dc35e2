#!/usr/bin/env bash
# Production on one machine (`make serve`): migrate, collect the static files, then run gunicorn,
# the background-job worker (when REDIS_URL is set) and purge_contacts once a day, until stopped.
# Settings come from $SIPAS_ENV_FILE (default ./.env.production); see deploy/sipas.env.example.
set -euo pipefail
cd "$(dirname "$0")/.."
export SIPAS_ENV_FILE="${SIPAS_ENV_FILE:-$PWD/.env.production}"
if [ ! -f "$SIPAS_ENV_FILE" ]; then
  echo "serve: no settings file $SIPAS_ENV_FILE (copy deploy/sipas.env.example there and fill it in)" >&2
  exit 2
fi
PY=.venv/bin/python

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput -v 0

# Stop every child when this script stops.
trap 'trap - EXIT; kill 0' EXIT INT TERM

if [ -n "$($PY manage.py shell -v 0 -c 'from django.conf import settings; print(settings.REDIS_URL)')" ]; then
  $PY manage.py run_worker &
else
  echo "serve: REDIS_URL is not set; background jobs run in the web process" >&2
fi
(while true; do $PY manage.py purge_contacts; sleep 86400; done) &
.venv/bin/gunicorn sipas.wsgi -c deploy/gunicorn.conf.py &
# The first child to stop stops everything (the trap), so a dead worker is never left unnoticed.
wait -n
