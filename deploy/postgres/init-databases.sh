#!/usr/bin/env bash
# Runs once, when the PostgreSQL container starts with an empty data volume (docker-entrypoint-initdb.d).
# One database per service, owned by a role of the same name that can connect to that database only: a service
# cannot read another service's data even by mistake (SPEC section 2). The services migrate their own schema at
# start-up; they find their database already there. DATABASE_SUFFIX (default: none) is appended to every database
# and role name, as bin/run does; the test suite uses it to run this script against its own PostgreSQL.
set -euo pipefail
suffix="${DATABASE_SUFFIX:-}"

for service in auth postings applications retention billing; do
  password_variable="${service^^}_DB_PASSWORD"
  password="${!password_variable:?$password_variable is not set}"
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" --dbname postgres \
       -v role="recruiting_${service}${suffix}" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"role" TO :"role";
SQL
done
