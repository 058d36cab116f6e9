// A throwaway routed topology for the lab/rules tests: one "node" netns forwarding between pod
// netns, each pod on its own /24 behind a veth. Names start with `rl-` (this module's prefix) and
// everything is removed by teardown(), which the tests call in afterAll/finally.
import { spawn, type ChildProcess } from 'node:child_process';
import { inNetns, mustRun, run } from './run';

export interface ScratchPod {
  name: string;
  netns: string;
  ip: string;
}

export interface Scratch {
  node: string;
  pods: ScratchPod[];
  /** start a TCP (or UDP) listener in a pod that answers every connection with `reply` */
  listen(pod: ScratchPod, port: number, reply: string, proto?: 'tcp' | 'udp'): void;
  /** connect from a pod; returns what the server said, or the client's error text */
  connect(from: ScratchPod, ip: string, port: number, proto?: 'tcp' | 'udp', timeoutS?: number): { ok: boolean; out: string };
  /** apply restore text in the node netns */
  restore(text: string): void;
  save(): string;
  teardown(): void;
}

// Fixed programs (no input is spliced in; address, port and reply arrive as argv).
const UDP_SERVER = "const d=require('dgram').createSocket('udp4');d.on('message',(m,r)=>d.send(process.argv[2]+'\\n',r.port,r.address));d.bind(+process.argv[1]);";
// connected UDP socket: a reply prints and exits 0; an ICMP port unreachable is ECONNREFUSED
const UDP_CLIENT = "const d=require('dgram').createSocket('udp4');const t=setTimeout(()=>{console.error('timeout');process.exit(1)},+process.argv[3]);" +
  "d.on('message',(m)=>{process.stdout.write(m);clearTimeout(t);process.exit(0)});d.on('error',(e)=>{console.error(e.code==='ECONNREFUSED'?'Connection refused':e.message);process.exit(1)});" +
  "d.connect(+process.argv[2],process.argv[1],()=>d.send('q\\n'));";

export function hasRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0 && run(['ip', 'netns', 'list']).code === 0;
}

export function makeScratch(tag: string, podCount: number): Scratch {
  const prefix = `rl-${tag}-${process.pid % 10000}`;
  const node = `${prefix}-n`;
  const pods: ScratchPod[] = [];
  const children: ChildProcess[] = [];
  const made: string[] = [];
  const teardown = () => {
    for (const c of children) if (c.pid && c.exitCode === null) c.kill('SIGKILL');
    for (const ns of made.reverse()) run(['ip', 'netns', 'del', ns]);
    made.length = 0;
  };
  try {
    mustRun(['ip', 'netns', 'add', node]);
    made.push(node);
    mustRun(inNetns(node, ['ip', 'link', 'set', 'lo', 'up']));
    mustRun(inNetns(node, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']));
    for (let i = 1; i <= podCount; i++) {
      const netns = `${prefix}-p${i}`;
      mustRun(['ip', 'netns', 'add', netns]);
      made.push(netns);
      const host = `rlv${i}`;
      mustRun(['ip', '-n', node, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
      mustRun(['ip', '-n', node, 'addr', 'add', `10.0.${i}.1/24`, 'dev', host]);
      mustRun(['ip', '-n', node, 'link', 'set', host, 'up']);
      mustRun(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
      mustRun(['ip', '-n', netns, 'addr', 'add', `10.0.${i}.2/24`, 'dev', 'eth0']);
      mustRun(['ip', '-n', netns, 'link', 'set', 'eth0', 'up']);
      mustRun(['ip', '-n', netns, 'route', 'add', 'default', 'via', `10.0.${i}.1`]);
      pods.push({ name: `p${i}`, netns, ip: `10.0.${i}.2` });
    }
    // a default route, as a real node has toward its underlay: Service VIPs need some route for
    // the forwarding decision to reach FORWARD (and its REJECT) at all
    mustRun(['ip', '-n', node, 'route', 'add', 'default', 'via', `10.0.${podCount}.2`]);
  } catch (e) {
    teardown();
    throw e;
  }
  return {
    node,
    pods,
    listen(pod, port, reply, proto = 'tcp') {
      // socat's forking UDP server loses about a third of the datagrams (measured here), so UDP is a tiny node server
      const argv = proto === 'tcp'
        ? ['socat', `TCP-LISTEN:${port},reuseaddr,fork`, `SYSTEM:echo ${reply}`]
        : [process.execPath, '-e', UDP_SERVER, String(port), reply];
      // no `timeout` wrapper: `ip netns exec` execs the server itself, so c.pid is the server and
      // teardown's kill reaches it (a killed wrapper would orphan its child)
      const c = spawn('ip', inNetns(pod.netns, argv).slice(1), { stdio: 'ignore' });
      children.push(c);
      // wait until the socket exists (ss in the pod's netns), at most ~2 s
      for (let i = 0; i < 40; i++) {
        const ss = run(inNetns(pod.netns, ['ss', '-Hln', proto === 'tcp' ? '-t' : '-u', `sport = :${port}`]));
        if (ss.stdout.trim()) return;
        run(['sleep', '0.05']);
      }
      throw new Error(`listener ${proto}/${port} in ${pod.netns} did not start`);
    },
    connect(from, ip, port, proto = 'tcp', timeoutS = 2) {
      const r = proto === 'tcp'
        ? run(inNetns(from.netns, ['socat', `-T${timeoutS}`, `-t${timeoutS}`, '-', `TCP:${ip}:${port},connect-timeout=${timeoutS}`]), { input: '', timeoutMs: (timeoutS + 3) * 1000 })
        : run(inNetns(from.netns, [process.execPath, '-e', UDP_CLIENT, ip, String(port), String(timeoutS * 1000)]), { timeoutMs: (timeoutS + 3) * 1000 });
      return { ok: r.code === 0 && r.stdout.trim() !== '', out: (r.stdout + r.stderr).trim() };
    },
    restore(text) {
      mustRun(inNetns(node, ['iptables-restore', '--noflush']), { input: text });
    },
    save() {
      return mustRun(inNetns(node, ['iptables-save']));
    },
    teardown,
  };
}
