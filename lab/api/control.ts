// Starting and stopping the lab's API daemon (the contract with `packetwalk lab up|down`): a CA and a
// serving certificate for 127.0.0.1 (openssl, argv only), an admin and a viewer token, the two
// kubeconfigs, and the detached daemon (`<inst>-apiserver` → node, so `ps` shows whose it is).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { readState, updateState } from '../state';

export interface ApiServerInfo {
  port: number;
  pid: number;
  kubeconfig: string;
  viewerKubeconfig: string;
  nsViewerKubeconfig?: string;
}

const START_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('openssl is not installed; the lab API needs it for its certificates (apt-get install openssl)', { cause: e });
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() ?? err.message}`, { cause: e });
  }
}

/** A P-256 CA and a serving certificate for 127.0.0.1/localhost, keys 0600 in `<labDir>/api`. */
function makeCertificates(apiDir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=packetwalk-lab-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], apiDir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=packetwalk-lab-apiserver'], apiDir);
  writeFileSync(join(apiDir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-out', 'server.crt', '-days', '3650', '-extfile', 'server.ext'], apiDir);
  for (const f of ['ca.key', 'server.key']) chmodSync(join(apiDir, f), 0o600);
  rmSync(join(apiDir, 'server.csr'), { force: true });
}

function kubeconfig(server: string, caPem: string, user: string, token: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user, namespace } }],
    'current-context': 'lab',
  });
}

function tsxLoader(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(pkg), 'dist', 'loader.mjs')).href;
}

function httpsReady(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', ca, timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
};

/** Is `pid` our daemon for this lab dir (not a recycled pid)? */
const isOurDaemon = (pid: number, labDir: string) => {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.endsWith('lab/api/daemon.ts')) && argv.includes(labDir);
  } catch {
    return false;
  }
};

export async function startApiServer(labDir: string): Promise<ApiServerInfo> {
  const state = readState(labDir);
  if (!state) throw new Error(`no lab state in ${labDir}; the API daemon serves a running lab (packetwalk lab up)`);
  if (state.api?.pid && isOurDaemon(state.api.pid, labDir)) await stopApiServer(labDir);
  const apiDir = join(labDir, 'api');
  mkdirSync(apiDir, { recursive: true, mode: 0o700 });
  makeCertificates(apiDir);
  const nsViewer = state.cluster.api?.nsViewer;
  const tokens = { admin: randomBytes(32).toString('base64url'), viewer: randomBytes(32).toString('base64url'), ...(nsViewer ? { nsViewer: randomBytes(32).toString('base64url') } : {}) };
  writeFileSync(join(apiDir, 'tokens.json'), JSON.stringify(tokens), { mode: 0o600 });
  rmSync(join(apiDir, 'port'), { force: true });

  const link = join(labDir, `${state.instance}-apiserver`);
  rmSync(link, { force: true }); // a link left by an earlier daemon (rmSync does not follow it)
  symlinkSync(process.execPath, link);
  mkdirSync(join(labDir, 'logs'), { recursive: true });
  const logFile = join(labDir, 'logs', 'apiserver.log'); // beside the lab's other daemon logs
  const logFd = openSync(logFile, 'a', 0o600);
  const daemon = fileURLToPath(new URL('./daemon.ts', import.meta.url));
  const child = spawn(link, ['--import', tsxLoader(), daemon, labDir], { detached: true, stdio: ['ignore', logFd, logFd], cwd: labDir });
  closeSync(logFd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the lab API daemon');
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));

  const ca = readFileSync(join(apiDir, 'ca.crt'), 'utf8');
  const deadline = Date.now() + START_TIMEOUT_MS;
  let port = 0;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`the lab API daemon exited (code ${exited}) while starting; see ${logFile}:\n${tail(logFile)}`);
    if (!port && existsSync(join(apiDir, 'port'))) port = Number(readFileSync(join(apiDir, 'port'), 'utf8').trim());
    if (port && (await httpsReady(port, ca))) break;
    await sleep(100);
  }
  if (!port || !(await httpsReady(port, ca))) {
    killPid(pid);
    throw new Error(`the lab API daemon did not answer within ${START_TIMEOUT_MS / 1000} s; see ${logFile}:\n${tail(logFile)}`);
  }
  const server = `https://127.0.0.1:${port}`;
  const info: ApiServerInfo = { port, pid, kubeconfig: join(labDir, 'kubeconfig'), viewerKubeconfig: join(labDir, 'viewer.kubeconfig') };
  writeFileSync(info.kubeconfig, kubeconfig(server, ca, 'lab', tokens.admin), { mode: 0o600 });
  writeFileSync(info.viewerKubeconfig, kubeconfig(server, ca, 'viewer', tokens.viewer), { mode: 0o600 });
  if (nsViewer && tokens.nsViewer) {
    // DESIGN §3.3: get/list/watch in one namespace only; the context's namespace is that one, as a Role user's would be.
    info.nsViewerKubeconfig = join(labDir, 'ns-viewer.kubeconfig');
    writeFileSync(info.nsViewerKubeconfig, kubeconfig(server, ca, 'ns-viewer', tokens.nsViewer, nsViewer), { mode: 0o600 });
  }
  updateState((s) => {
    s.api = info;
  }, labDir);
  return info;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

function killPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

/** Stops the daemon recorded in state (SIGTERM, then SIGKILL after 5 s) and forgets it. */
export async function stopApiServer(labDir: string): Promise<void> {
  const state = readState(labDir);
  const pid = state?.api?.pid;
  if (pid && isOurDaemon(pid, labDir)) {
    killPid(pid);
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (alive(pid)) {
      killPid(pid, 'SIGKILL');
      while (alive(pid) && Date.now() < deadline + 2000) await sleep(50);
    }
  }
  rmSync(join(labDir, 'api', 'port'), { force: true });
  if (state?.api) {
    updateState((s) => {
      delete s.api;
    }, labDir);
  }
}
