#!/usr/bin/env bash
# Installs the Debian packages statusedge's tests, `make run` and `make bench` need, when
# they are missing. As root it runs apt-get; otherwise it only says what to install.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have mariadbd || need+=(mariadb-server)
have redis-server || need+=(redis-server)
have nginx || need+=(nginx)
have wrk || need+=(wrk)
have varnishd || need+=(varnish)
if [ "${WITH_BROWSER:-1}" = 1 ]; then have chromium || need+=(chromium); fi
have systemd-analyze || need+=(systemd)
have promtool || need+=(prometheus)

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages: ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
	exit 1
fi
echo "installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts the packaged services; statusedge runs its own throwaway ones instead.
for svc in nginx varnish; do
	if [ -f "/run/$svc.pid" ]; then kill "$(cat "/run/$svc.pid")" 2>/dev/null || true; fi
done
