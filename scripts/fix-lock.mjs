// The registry here has no darwin/win32 builds of @next/swc, so npm leaves them out of the lock and `npm ci`
// then refuses the lock. Record them as platform-specific optional packages, which npm ci skips on Linux.
import fs from 'node:fs';

const f = process.argv[2];
const lock = JSON.parse(fs.readFileSync(f, 'utf8'));
const plat = { 'darwin-arm64': ['darwin', 'arm64'], 'darwin-x64': ['darwin', 'x64'], 'win32-arm64-msvc': ['win32', 'arm64'], 'win32-x64-msvc': ['win32', 'x64'] };
const nx = lock.packages['node_modules/next'];
let n = 0;
for (const [name, ver] of Object.entries(nx.optionalDependencies || {})) {
  const k = 'node_modules/' + name;
  const m = name.match(/^@next\/swc-(.+)$/);
  if (lock.packages[k] || !m || !plat[m[1]]) continue;
  lock.packages[k] = { version: ver, cpu: [plat[m[1]][1]], license: 'MIT', optional: true, os: [plat[m[1]][0]], engines: { node: '>= 10' } };
  n++;
}
fs.writeFileSync(f, JSON.stringify(lock, null, 2) + '\n');
console.log('added', n);
