#!/bin/sh
# Prints fresh random secrets for the compose trial:  deploy/compose-env.sh > deploy/.env
# Hex only, so the database password can sit in a DSN without URL-escaping.  PostgreSQL takes its
# password when a volume is first initialised: after regenerating, `docker compose down -v` too.
set -eu
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
echo "YRD_DB_PASSWORD=$(hex 16)"
echo "YRD_PERSON_KEY_SECRET=$(hex 32)"
echo "YRD_JWT_SECRET=$(hex 32)"
