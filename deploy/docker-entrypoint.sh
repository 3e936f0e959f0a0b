#!/bin/sh
# Starts one member. Every setting can come from the environment as COHORT_<KEY> (COHORT_MEMBER_ID,
# COHORT_SEEDS, COHORT_ADVERTISE_ADDRESS, COHORT_GROUP_NAME, COHORT_TLS_CERT, COHORT_CLIENT_TLS, ...;
# README, "Configuration"): the server reads them over /etc/cohort/member.properties, and
# arguments given to the container win over both.
#
# COHORT_BOOTSTRAP_MEMBER names the member that starts the group: that member, and only while its
# data directory is empty, starts with --bootstrap. Even then it first asks its seeds, and joins
# if one of them runs the group or holds its history, so a member that lost its volume never
# starts a second group. Every other start rejoins through the seeds.
set -eu
DATA_DIR="${COHORT_DATA_DIR:-/var/lib/cohort/data}"
export COHORT_DATA_DIR="$DATA_DIR"
if [ -n "${COHORT_BOOTSTRAP_MEMBER:-}" ] && [ "${COHORT_MEMBER_ID:-}" = "$COHORT_BOOTSTRAP_MEMBER" ] \
    && [ -z "$(ls -A "$DATA_DIR" 2>/dev/null)" ]; then
  set -- --bootstrap "$@"
fi
# shellcheck disable=SC2086
exec java --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:--Xmx512m -XX:+UseSerialGC} \
  -jar /opt/cohort/server/cohort-server.jar server --config /etc/cohort/member.properties "$@"
