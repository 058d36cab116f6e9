/* global process */
// kube-proxy's health check server on one lab node (pkg/proxy/healthcheck: service_health.go and
// proxy_health.go): for each Service with externalTrafficPolicy Local, its healthCheckNodePort answers
// 200 when this node has a ready local endpoint and 503 when it has none, with kube-proxy's JSON body
// and X-Load-Balancing-Endpoint-Weight header; port 10256 answers /healthz (200). Endpoints are read
// from the lab's state.json on every request, so an endpoint change shows at the next probe.
// Plain JavaScript so it starts fast without a TypeScript loader (like listener.mjs).
// usage: healthcheck.mjs LAB_DIR NODE PORT=healthz|PORT=NS/NAME ...
import { createServer } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [labDir, node, ...binds] = process.argv.slice(2);
let pending = binds.length;
const ready = () => {
  if (--pending <= 0) process.stdout.write(`ready healthcheck ${node}\n`);
};

let cache = { mtime: -1, st: null };
/** The lab state, parsed again only when state.json changed (probes come every second). */
function state() {
  const file = join(labDir, 'state.json');
  const mtime = statSync(file).mtimeMs;
  if (mtime !== cache.mtime) cache = { mtime, st: JSON.parse(readFileSync(file, 'utf8')) };
  return cache.st;
}

function localEndpoints(key) {
  const [ns, name] = key.split('/');
  let st;
  try {
    st = state();
  } catch {
    return 0;
  }
  let n = 0;
  for (const o of st.objects ?? []) {
    if (o.kind !== 'EndpointSlice' || o.metadata?.namespace !== ns || o.metadata?.labels?.['kubernetes.io/service-name'] !== name) continue;
    for (const e of o.endpoints ?? []) if (e.nodeName === node && e.conditions?.ready !== false) n++;
  }
  return n;
}

for (const b of binds) {
  const i = b.indexOf('=');
  const port = Number(b.slice(0, i));
  const what = b.slice(i + 1);
  const srv = createServer((req, res) => {
    const now = new Date().toISOString();
    if (what === 'healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
      res.end(JSON.stringify({ lastUpdated: now, currentTime: now, nodeEligible: true }));
      return;
    }
    const count = localEndpoints(what);
    const [namespace, name] = what.split('/');
    res.writeHead(count > 0 ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'X-Load-Balancing-Endpoint-Weight': String(count) });
    res.end(JSON.stringify({ service: { namespace, name }, localEndpoints: count, serviceProxyHealthy: true }));
  });
  srv.on('error', (e) => {
    process.stderr.write(`healthcheck ${node}: port ${port}: ${e.message}\n`);
    process.exit(1);
  });
  srv.listen(port, '0.0.0.0', ready);
}
if (!binds.length) ready();
process.on('SIGTERM', () => process.exit(0));
