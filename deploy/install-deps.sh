#!/usr/bin/env bash
# Installs the Debian packages a statusedge target needs, when they are missing:
#   install-deps.sh run     make run: MariaDB, Redis, nginx
#   install-deps.sh bench   make bench: and wrk
#   install-deps.sh test    make test (the default): and Chromium, Varnish, systemd-analyze, promtool,
#                           Node.js with npm (an npm Statuspage client reads the documents)
# As root it runs apt-get; otherwise it only says what to install. It never touches a
# service that was installed before it ran: on a web host, its nginx stays up.
set -euo pipefail

target=${1:-test}
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have mariadbd || need+=(mariadb-server)
have redis-server || need+=(redis-server)
have nginx || need+=(nginx)
if [ "$target" = bench ] || [ "$target" = test ]; then have wrk || need+=(wrk); fi
if [ "$target" = test ]; then
	have varnishd || need+=(varnish)
	if [ "${WITH_BROWSER:-1}" = 1 ]; then have chromium || need+=(chromium); fi
	have systemd-analyze || need+=(systemd)
	have promtool || need+=(prometheus)
	have node || need+=(nodejs)
	have npm || need+=(npm)
fi

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages: ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
	exit 1
fi
echo "installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts the services it has just installed; statusedge runs its own throwaway
# ones instead, so stop those (and only those: nothing that was here before).
for pkg in nginx varnish prometheus; do
	case " ${need[*]} " in *" $pkg "*) ;; *) continue ;; esac
	if [ -f "/run/$pkg.pid" ]; then kill "$(cat "/run/$pkg.pid")" 2>/dev/null || true; fi
	pkill -x "$pkg" 2>/dev/null || true
done
