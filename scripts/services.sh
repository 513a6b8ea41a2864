#!/usr/bin/env bash
# Starts the servers the tests use (PostgreSQL, Mosquitto, NATS JetStream) on 127.0.0.1
# at their standard ports, each only if it does not answer already.
set -uo pipefail
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 100); do answers "$1" && return 0; sleep 0.1; done
  echo "anfang: $2 did not come up on port $1" >&2; return 1
}
state=${ANFANG_SERVICE_DIR:-/tmp/anfang-services}
mkdir -p "$state"

if ! answers 5432; then
  echo "anfang: starting PostgreSQL"
  ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -z "$ver" ]; then echo "anfang: PostgreSQL is not installed" >&2; exit 1; fi
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || exit 1
  wait_port 5432 PostgreSQL || exit 1
fi
# A fresh Debian cluster asks for a password over TCP: give the postgres role the one the
# tests use (a machine with trust authentication ignores it).
if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- psql -q -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
  else
    echo "anfang: cannot log in to PostgreSQL as postgres/postgres on 127.0.0.1" >&2
  fi
fi

if ! answers 1883; then
  echo "anfang: starting Mosquitto"
  if [ -f /etc/mosquitto/mosquitto.conf ]; then mosquitto -d -c /etc/mosquitto/mosquitto.conf
  else mosquitto -d; fi
  wait_port 1883 Mosquitto || exit 1
fi

if ! answers 4222; then
  echo "anfang: starting NATS with JetStream"
  mkdir -p "$state/nats"
  setsid nats-server -a 127.0.0.1 -p 4222 -js -sd "$state/nats" >"$state/nats.log" 2>&1 < /dev/null &
  wait_port 4222 NATS || exit 1
fi
exit 0
