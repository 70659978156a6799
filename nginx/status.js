// statusedge: route /api/server/status to status.json while it is fresh, else to the origin.
// nginx cannot read a file's age itself; js_set must be synchronous, hence fs.statSync.
// One stat per request also yields the Cache-Control value, handed over in $status_cc.
var fs = require('fs');

function tryPath(r) {
    var v = r.variables;
    var ttl = Number(v.status_ttl) * 1000;
    var interval = Number(v.status_interval) * 1000;
    var st;
    try {
        st = fs.statSync(v.status_dir + '/status.json');
    } catch (e) {
        return '/.status-missing'; // never exists: try_files falls to the origin
    }
    var now = Date.now();
    if (!st.isFile() || now - st.mtimeMs >= ttl) {
        return '/.status-stale';
    }
    // max-age counts down to the next expected refresh; stale-while-revalidate covers the
    // rest of the TTL, so max-age + swr never passes fresh_until.
    var left = Math.max(0, Math.floor((st.mtimeMs + interval - now) / 1000));
    v.status_cc = 'public, max-age=' + left +
        ', stale-while-revalidate=' + Math.floor((ttl - interval) / 1000) +
        ', stale-if-error=' + v.status_stale_if_error;
    return '/status.json';
}

export default { tryPath };
