// The lab's outside world (issue 15): what it costs and how fast it follows the cluster, on a lab of its own.
//  - `lab up` of the default topology plus one LoadBalancer with externalTrafficPolicy Local (in-process
//    labUp), total and per phase;
//  - a request from the outside client: to a NodePort directly vs through the load balancer's ingress IP
//    (curl's time_total), so the LB's DNAT hop is seen on its own;
//  - the load balancer following an endpoint change: the Service's only endpoint "moves" to the other node
//    in the state, then the time until the LB's DNAT points at that node (its health checks run every second).
// Usage: npx tsx bench/outside.ts [--ups 5] [--requests 20] [--moves 5]   (needs root)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LAB_FILE, labDown, labUp } from '../lab/dataplane/lab';
import { outsideNetns } from '../lab/outside';
import { updateState } from '../lab/state';
import { median, numberFlag } from './harness';

type Obj = Record<string, unknown>;
const ups = numberFlag('ups', 5);
const requests = numberFlag('requests', 20);
const moves = numberFlag('moves', 5);
const instance = `bo${Math.random().toString(36).slice(2, 6)}`;
const dir = `/run/packetwalk/${instance}`;
const OUT = outsideNetns(instance);
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;
const sh = (argv: string[]) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 20_000 });

async function main(): Promise<void> {
  const config = join(mkdtempSync(join(tmpdir(), 'pw-bench-')), 'lab.yaml');
  writeFileSync(config, `${readFileSync(DEFAULT_LAB_FILE, 'utf8')}---
apiVersion: v1
kind: Service
metadata: {name: storefront-local, namespace: shop}
spec: {type: LoadBalancer, externalTrafficPolicy: Local, selector: {app: frontend}, ports: [{name: http, port: 80, targetPort: http}]}
`);
  const totals: number[] = [];
  const phases = new Map<string, number[]>();
  for (let i = 0; i < ups; i++) {
    const r = await labUp({ instance, dir, config });
    totals.push(r.ms);
    for (const [k, v] of Object.entries(r.phases)) phases.set(k, [...(phases.get(k) ?? []), v]);
  }
  console.log(`lab up (default topology with the outside + a Local LB): ${fmt(totals)}`);
  for (const [k, v] of phases) console.log(`  phase ${k}: ${fmt(v)}`);

  const st = JSON.parse(sh(['cat', `${dir}/state.json`]).stdout) as { objects: { kind: string; metadata: { name: string; namespace?: string }; spec?: Obj; status?: Obj }[]; nodes: { name: string; internalIP: string }[] };
  const lb = st.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'storefront')!;
  const ip = (((lb.status as Obj).loadBalancer as Obj).ingress as Obj[])[0].ip as string;
  const nodePort = ((lb.spec as Obj).ports as Obj[])[0].nodePort as number;
  const curl = (url: string) => {
    const r = sh(['ip', 'netns', 'exec', OUT, 'curl', '-s', '-o', '/dev/null', '-m', '3', '-w', '%{http_code} %{time_total}', url]);
    const [code, t] = r.stdout.split(' ');
    if (code !== '200') throw new Error(`${url}: ${r.stdout} ${r.stderr}`);
    return Number(t) * 1000;
  };
  const direct: number[] = [];
  const viaLb: number[] = [];
  for (let i = 0; i < requests; i++) {
    direct.push(curl(`http://${st.nodes[0].internalIP}:${nodePort}/`));
    viaLb.push(curl(`http://${ip}/`));
  }
  console.log(`outside → NodePort ${st.nodes[0].internalIP}:${nodePort}: ${fmt(direct)}`);
  console.log(`outside → LB ${ip}:80 (DNAT to a NodePort): ${fmt(viaLb)}`);

  // The Local LB: its only endpoints "move" to one node in the cluster's objects; the health check servers
  // answer from the state, the LB probes every second and re-programs its DNAT.
  const local = st.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'storefront-local')!;
  const lip = (((local.status as Obj).loadBalancer as Obj).ingress as Obj[])[0].ip as string;
  const backends = () => sh(['ip', 'netns', 'exec', OUT, 'iptables-save', '-t', 'nat']).stdout.split('\n').filter((l) => l.includes(`-d ${lip}/32`)).map((l) => /--to-destination ([\d.]+):/.exec(l)?.[1]);
  const converge: number[] = [];
  for (let i = 0; i < moves; i++) {
    const to = st.nodes[i % 2];
    const t0 = Date.now();
    updateState((s) => {
      for (const o of s.objects) {
        if (o.kind === 'EndpointSlice' && o.metadata.namespace === 'shop' && o.metadata.labels?.['kubernetes.io/service-name'] === 'storefront-local') for (const e of o.endpoints as Obj[]) e.nodeName = to.name;
      }
    }, dir);
    for (;;) {
      const b = backends();
      if (b.length === 1 && b[0] === to.internalIP) break;
      if (Date.now() - t0 > 10_000) throw new Error(`the load balancer did not follow: ${b.join(',')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    converge.push(Date.now() - t0);
  }
  console.log(`LB follows a state change (health checks every 1 s): ${fmt(converge)}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => labDown({ instance, dir }));
