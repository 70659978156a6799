// statusedge: route the snapshot URLs to status.json while it is fresh, else to the origin.
// nginx cannot read a file's age itself; js_set must be synchronous, hence fs.statSync.
// One stat per request also yields the Cache-Control value, handed over in $status_cc.
// Rendered by nginx.InstallAssets: constants are baked in because every r.variables
// lookup costs on the hottest path there is (measured: about a sixth of the throughput).
var fs = require('fs');

var FILE = '/var/lib/statusedge/www/status.json';
var TTL_MS = 900 * 1000;
var INTERVAL_MS = 600 * 1000;
// max-age counts down to the next expected refresh; stale-while-revalidate covers the
// rest of the TTL, so max-age + swr never reaches past fresh_until.
var TAIL = ', stale-while-revalidate=' + (900 - 600) + ', stale-if-error=86400';

function tryPath(r) {
    // throwIfNoEntry: a thrown ENOENT costs njs 0.7.9 about 0.4 ms of CPU, per request.
    var st = fs.statSync(FILE, { throwIfNoEntry: false });
    if (st === undefined || !st.isFile()) {
        return '/.status-missing'; // never exists: try_files falls through to the origin
    }
    var now = Date.now();
    if (now - st.mtimeMs >= TTL_MS) {
        return '/.status-stale';
    }
    r.variables.status_cc = 'public, max-age=' + Math.max(0, Math.floor((st.mtimeMs + INTERVAL_MS - now) / 1000)) + TAIL;
    return '/status.json';
}

export default { tryPath };
