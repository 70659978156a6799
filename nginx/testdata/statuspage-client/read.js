// Reads a statusedge page with the npm client statuspage.io (its own calls, unchanged) and
// prints what each call gave as one JSON object: {"<call>": {"ok": true, "data": ...} or
// {"ok": false, "error": "..."}}. Usage: node read.js <base URL>
'use strict';
const { Statuspage } = require('statuspage.io');

(async () => {
  const sp = new Statuspage('statusedge');
  sp.setApiUrl(process.argv[2]);
  sp.apiClient.defaults.timeout = 5000;
  const calls = {
    getStatus: () => sp.api.getStatus(),
    getSummary: () => sp.api.getSummary(),
    getComponents: () => sp.api.getComponents(),
    'incidents.getAll': () => sp.api.incidents.getAll(),
    'incidents.getUnresolved': () => sp.api.incidents.getUnresolved(),
    'scheduledMaintenances.getAll': () => sp.api.scheduledMaintenances.getAll(),
    'scheduledMaintenances.getUpcoming': () => sp.api.scheduledMaintenances.getUpcoming(),
    'scheduledMaintenances.getActive': () => sp.api.scheduledMaintenances.getActive(),
  };
  const out = {};
  for (const [name, call] of Object.entries(calls)) {
    try {
      out[name] = { ok: true, data: await call() };
    } catch (e) {
      out[name] = { ok: false, error: String(e && e.message ? e.message : e) };
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
