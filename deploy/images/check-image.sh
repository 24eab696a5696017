#!/usr/bin/env bash
# Checks a Jib image tarball (jib:buildTar) without a Docker daemon: the entrypoint starts the JVM with the expected
# main class, the user is the non-root 65532:65532 the chart runs as, and the expected port is exposed.
#
#   deploy/images/check-image.sh gateway-service/target/jib-image.tar dev.kiln.gateway.GatewayApplication 8080
set -euo pipefail

tarball=${1:?usage: check-image.sh <jib-image.tar> <main class> <port>}
main_class=${2:?main class}
port=${3:?port}
config=$(tar -xOf "$tarball" config.json)
fail() {
	echo "check-image: $tarball: $1" >&2
	echo "$config" >&2
	exit 1
}
grep -q '"User":"65532:65532"' <<< "$config" || fail "user is not 65532:65532"
grep -q '"Entrypoint":\["java",' <<< "$config" || fail "entrypoint does not start java"
grep -q "\"$main_class\"\]" <<< "$config" || fail "entrypoint does not run $main_class"
grep -q "\"$port/tcp\"" <<< "$config" || fail "port $port is not exposed"
grep -q '"WorkingDir":"/app"' <<< "$config" || fail "working directory is not /app"
if grep -q '"Entrypoint":\[[^]]*latest' <<< "$config"; then fail "entrypoint mentions latest"; fi
echo "check-image: $tarball OK (java $main_class as 65532:65532, port $port)"
