// reproducingEvidence (evidence.ts): the CLI's one "reproduce:" line for a failing hop is the probe that shows the
// failure, chosen from a real recorded diagnosis (fixtures/*.json, captured on the lab by test/lab/diagnoseCapture.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayPod, type RecordedDiagnosis } from './replay';
import { judge } from '.';
import type { Diagnosis, Evidence } from '../model';
import { firstFailureShown, reproducingEvidence } from './reproduce';

const load = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as RecordedDiagnosis;

describe('reproducingEvidence', () => {
  it('an MTU blackhole is reproduced by a lost DF ping, not by the first read of the hop (ip addr on the other node)', () => {
    const d = load('mtu-blackhole').diagnosis;
    const hop = d.hops.find((h) => h.id === d.firstFailure!.hop)!;
    expect(hop.evidence[0].probe).not.toBe('ping-df'); // what the CLI printed before
    const e = reproducingEvidence(hop.evidence)!;
    expect(e.probe).toBe('ping-df');
    expect(e.exitCode).not.toBe(0);
    expect(e.reproduce).toMatch(/-- ping -n -M do -c 1 -W 1 -s 1\d{3} 10\.244\./);
  });
  it('a hop judged from rules and routes (node-route-missing at dst-node) is reproduced by the connect that fails, never by a capture of packetwalk\'s own flow', () => {
    const d = load('trace-node-route-missing').diagnosis;
    const hop = d.hops.find((h) => h.id === d.firstFailure!.hop)!;
    const rest = d.hops.filter((h) => h.id !== hop.id).flatMap((h) => h.evidence);
    const e = reproducingEvidence(hop.evidence, rest)!;
    expect(['node-ping', 'tcp-connect']).toContain(e.probe); // a failed traffic probe on the hop, else the failing connect
    expect(e.exitCode).not.toBe(0);
    // with every traffic probe of the hop passing, the failing connect from elsewhere is the one
    const reads = hop.evidence.map((x) => (x.probe === 'node-ping' ? { ...x, exitCode: 0, timedOut: false } : x));
    expect(reproducingEvidence(reads, rest)?.probe).toBe('tcp-connect');
    // captures filter on packetwalk's own source port: never the reproduce line, even when they are all there is
    const captures = [...hop.evidence, ...rest].filter((x) => /capture/.test(x.probe)).map((x) => ({ ...x, exitCode: 1 }));
    expect(captures.length).toBeGreaterThan(0);
    expect(reproducingEvidence(captures)).toBeUndefined();
  });
  it('UDP: `nc -u -z` "succeeds" whenever no ICMP error comes back, so where a datagram exchange (socat) ran, that is the line, never nc -u', () => {
    const d = (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'udp-ours-masquerade-missing.json'), 'utf8')) as RecordedDiagnosis).diagnosis;
    const ext = d.hops.find((h) => h.id === 'external')!.evidence;
    expect(ext.map((e) => e.probe)).toEqual(['udp-connect', 'udp-exchange']);
    expect(ext.every((e) => e.exitCode === 0)).toBe(true); // neither "failed": both say nothing came back
    expect(reproducingEvidence(ext)?.probe).toBe('udp-exchange');
    expect(reproducingEvidence(ext)?.reproduce).toMatch(/-- socat -v -t 2 -T 2 /);
    // the exchange elsewhere on the path replaces a hop's own nc -u too
    expect(reproducingEvidence(ext.filter((e) => e.probe === 'udp-connect'), ext.filter((e) => e.probe === 'udp-exchange'))?.probe).toBe('udp-exchange');
    // with no exchange anywhere, nc -u is what there is
    expect(reproducingEvidence(ext.filter((e) => e.probe === 'udp-connect'))?.probe).toBe('udp-connect');
  });
  it('a ping that fails (ICMP dropped by a policy on a healthy path too) is not the line for a firewall drop or a stale neighbor: the failed connect is; for an MTU blackhole the DF ping is', () => {
    const ev = (probe: string, exitCode: number): Evidence => ({ probe, where: 'node node-a', command: [], reproduce: `run ${probe}`, exitCode, stdout: '', stderr: '', durationMs: 1, finding: '' });
    const hop = [ev('iptables-save', 0), ev('node-ping', 1)];
    const elsewhere = [ev('tcp-connect', 1)];
    expect(reproducingEvidence(hop, elsewhere, 'node-firewall')?.probe).toBe('tcp-connect');
    expect(reproducingEvidence(hop, elsewhere, 'neighbor-stale')?.probe).toBe('tcp-connect');
    expect(reproducingEvidence([ev('ping-df', 1)], elsewhere, 'mtu-blackhole')?.probe).toBe('ping-df');
    // with no failed connect anywhere, the ping is still better than a read
    expect(reproducingEvidence(hop, [], 'node-firewall')?.probe).toBe('node-ping');
  });
  it('a fault of the Service itself (its rules) is reproduced through the VIP, not by the endpoint\'s direct connect', () => {
    const ev = (probe: string, hop: string, exitCode: number, reproduce: string): Evidence => ({ probe, where: `pod a/b ${hop}`, command: [], reproduce, exitCode, stdout: '', stderr: '', durationMs: 1, finding: '' });
    const hops = [
      { id: 'service' as const, evidence: [ev('iptables-save', 'service', 0, 'iptables-save')] },
      { id: 'src-pod' as const, evidence: [ev('tcp-connect', 'src-pod', 1, 'nc VIP')] },
      { id: 'dst-pod' as const, evidence: [ev('tcp-connect', 'dst-pod', 1, 'nc endpoint')] },
    ];
    const d = (hop: 'service' | 'dst-veth') => ({ hops: hops as unknown as Diagnosis['hops'], firstFailure: { hop, cause: hop === 'service' ? 'proxy-rules-missing' : 'veth-down', reason: 'x' } as Diagnosis['firstFailure'] });
    expect(firstFailureShown(d('service')).reproduce?.reproduce).toBe('nc VIP');
    expect(firstFailureShown(d('dst-veth')).reproduce?.reproduce).toBe('nc endpoint');
  });
  it('hairpin off: the bridge port flags are the line (they show "hairpin": false), not the pod\'s ip addr, which shows nothing wrong', () => {
    const ev = (probe: string, exitCode = 0): Evidence => ({ probe, where: 'node worker-1', command: [], reproduce: `run ${probe}`, exitCode, stdout: '', stderr: '', durationMs: 1, finding: '' });
    const hop = [ev('addr'), ev('node-link'), ev('bridge-link')];
    expect(reproducingEvidence(hop)?.probe).toBe('bridge-link');
    expect(reproducingEvidence(hop.slice(0, 2))?.probe).toBe('addr');
  });
  it("veth down with no failed connect to show it (UDP: nc -u 'succeeds'): the node's link listing, which says DOWN, not the pod's addresses (recorded on the udp-ours lab)", () => {
    const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'udp-ours-veth-down.json'), 'utf8'));
    const { plan, runs } = replayPod(fx);
    const d = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(d.firstFailure).toMatchObject({ hop: 'dst-veth', cause: 'veth-down' });
    const shown = firstFailureShown(d);
    expect(shown.reproduce?.probe).toBe('node-link');
    expect(shown.reproduce?.reproduce).toMatch(/^kubectl debug node\/k2 .* -- ip -j -d addr show$/);
    // a failed TCP connect still comes first: it shows the symptom itself
    const ev = (probe: string, exitCode: number): Evidence => ({ probe, where: 'x', command: [], reproduce: `run ${probe}`, exitCode, stdout: '', stderr: '', durationMs: 1, finding: '' });
    expect(reproducingEvidence([ev('addr', 0), ev('node-link', 0)], [ev('tcp-connect', 1)], 'veth-down')?.probe).toBe('tcp-connect');
    expect(reproducingEvidence([ev('addr', 0), ev('node-link', 0)], [], 'veth-down')?.probe).toBe('node-link');
  });
  it('a hop whose probes all succeeded gives its first probe that sends traffic, else its first runnable evidence; API evidence alone gives none', () => {
    const d = load('healthy-service').diagnosis;
    const hop = d.hops.find((h) => h.id === 'overlay')!;
    const e = reproducingEvidence(hop.evidence)!;
    expect(e.probe).toMatch(/ping/);
    expect(e).toBe(hop.evidence.find((x) => x.where !== 'api' && x.reproduce && /ping/.test(x.probe)));
    const reads = hop.evidence.filter((x) => !/ping/.test(x.probe));
    expect(reproducingEvidence(reads)).toBe(reads.find((x) => x.where !== 'api' && x.reproduce));
    expect(reproducingEvidence(hop.evidence.filter((x) => x.where === 'api'))).toBeUndefined();
  });
  it('a name that does not resolve (dig exits 0 on NXDOMAIN) is reproduced by the lookup of the name, not by the resolv.conf read nor the control query', () => {
    const d = load('healthy-service').diagnosis;
    const recorded = d.hops.find((h) => h.id === 'dns')!.evidence;
    expect(recorded.map((x) => x.probe)).toEqual(expect.arrayContaining(['resolv-conf', 'dig']));
    // this recording predates the control query (a dig of the cluster DNS's own name, run before the name's): put one in
    const firstDig = recorded.findIndex((x) => x.probe === 'dig');
    const control = { ...recorded[firstDig], probe: 'dig-control', reproduce: recorded[firstDig].reproduce!.replace(/nosearch \S+/, 'nosearch kube-dns.kube-system.svc.cluster.local.') };
    const dns = [...recorded.slice(0, firstDig), control, ...recorded.slice(firstDig)];
    expect(dns.every((x) => !x.exitCode && !x.timedOut)).toBe(true);
    const e = reproducingEvidence(dns)!;
    expect(e.probe).toBe('dig');
    expect(e.reproduce).toMatch(/-- dig \+tries=1 \+time=2 \+nosearch backend\./);
  });
});

describe('firstFailureShown', () => {
  it('a hop judged from its rules shows the connect that stops as its evidence, not its routes (a firewall drop, a missing SNAT)', () => {
    for (const [name, want] of [['hostnet/pod-node-firewall', /^TCP 172\.18\.0\.4:9999: no answer within 2 s$/], ['edge/egress-masquerade-missing', /^TCP 198\.51\.100\.20:443: no answer within 2 s$/]] as const) {
      const d = load(name).diagnosis;
      const hop = d.hops.find((h) => h.id === d.firstFailure!.hop)!;
      const shown = firstFailureShown(d);
      expect(shown.observed, name).toMatch(want);
      expect(shown.observed, name).not.toBe(hop.observed);
      expect(shown.reproduce?.finding, name).toBe(shown.observed);
    }
  });
  it('a hop whose own traffic probe reproduces it shows what that hop observed (an MTU blackhole\'s DF ladder); an exit status alone is no evidence', () => {
    const mtu = load('mtu-blackhole').diagnosis;
    expect(firstFailureShown(mtu).observed).toBe(mtu.hops.find((h) => h.id === 'overlay')!.observed);
    // node-route: the failed connect reproduces it (the node's ping, "exit 1", says only what ICMP does) and is the evidence
    const route = load('trace-node-route-missing').diagnosis;
    expect(firstFailureShown(route).reproduce?.probe).toBe('tcp-connect');
    expect(firstFailureShown(route).observed).toBe('TCP 10.32.2.2:9000: no answer within 2 s');
    // an exit status alone is no evidence: with only the ping, the hop's own observation is shown
    const pingOnly = { ...route, hops: route.hops.map((h) => ({ ...h, evidence: h.evidence.filter((e) => e.probe !== 'tcp-connect') })) };
    expect(firstFailureShown(pingOnly).reproduce?.finding).toBe('exit 1');
    expect(firstFailureShown(pingOnly).observed).toMatch(/^worker-2 → 10\.32\.1\.3: via 172\.18\.0\.1 dev eth0/);
  });
  it('the lead of a degraded summary (what answers, before the cause) is handed to the page, which shows the cause on its own line', () => {
    const d = load('mtu-blackhole').diagnosis;
    expect(firstFailureShown({ ...d, summary: `small connections work; MTU blackhole on the path at overlay: ${d.firstFailure!.reason}` }).lead).toBe('small connections work');
    const partial = { ...d, summary: `1 of 2 ready endpoints of Service shop/backend answer (shop/backend-1 10.244.1.4:8080); connections kube-proxy sends to shop/backend-0 10.244.2.3:8080 fail: MTU blackhole on the path at overlay: ${d.firstFailure!.reason}` };
    expect(firstFailureShown(partial).lead).toBe('1 of 2 ready endpoints of Service shop/backend answer (shop/backend-1 10.244.1.4:8080); connections kube-proxy sends to shop/backend-0 10.244.2.3:8080 fail');
    expect(firstFailureShown({ ...d, summary: `MTU blackhole on the path at overlay: ${d.firstFailure!.reason}` }).lead).toBeUndefined();
  });
  it('with one endpoint broken, the reproduce line is that endpoint\'s own connect (which fails every time), not the VIP\'s (which fails when kube-proxy picks it)', () => {
    const d = load('healthy-service').diagnosis; // backend:80 → 10.96.44.134, endpoints backend-0 10.244.2.3 (drawn) and backend-1
    const lost = (e: Evidence) => ({ ...e, exitCode: 1, stdout: '', stderr: `nc: connect to ${e.command.at(-2)} port ${e.command.at(-1)} (tcp) timed out: Operation now in progress\n`, finding: `TCP ${e.command.at(-2)}:${e.command.at(-1)}: no answer within 2 s` });
    const broken = {
      ...d,
      firstFailure: { hop: 'dst-node' as const, cause: 'node-firewall' as const, reason: "worker-2's own firewall drops forwarded TCP to port 8080" },
      hops: d.hops.map((h) => ({ ...h, evidence: h.evidence.map((e) => (e.probe === 'tcp-connect' && (e.command.includes('10.96.44.134') || e.command.includes('10.244.2.3')) ? lost(e) : e)) })),
    };
    const shown = firstFailureShown(broken);
    expect(shown.reproduce?.command.slice(-2)).toEqual(['10.244.2.3', '8080']);
    expect(shown.observed).toBe('TCP 10.244.2.3:8080: no answer within 2 s');
  });
});

describe('a failed DNS hop is reproduced by a lookup of the name the path is walked on', () => {
  it.each([
    ['dns-overlay-blocked-answers.json', 'api.web.svc.cluster.local.'],
    ['edge/ignore-dns-down-policy.json', 'api.web.svc.cluster.local.'],
  ])('%s: the matched Service FQDN, not the first search candidate (NXDOMAIN on a healthy cluster too)', (file, name) => {
    const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', file), 'utf8'));
    const { plan, runs } = replayPod(fx);
    const d = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(d.firstFailure?.hop).toBe('dns');
    expect(d.hops.find((h) => h.id === 'dns')?.details?.matched).toBe(name.slice(0, -1));
    expect(firstFailureShown(d).reproduce?.command).toContain(name);
  });
});

// A red hop's reproduce line runs the failing step itself — the pod or node the failure is about, the address and port
// it names — never a healthy endpoint's (recorded on the default lab: lib/verdict/fixtures/*.json, test/lab/diagnoseCapture.ts).
describe('the reproduce line names the failing endpoint, not a healthy one', () => {
  const judged = (name: string, edit?: (runs: Map<string, import('./context').ProbeRun>) => void) => {
    const fx = load(name);
    const { plan, runs } = replayPod(fx);
    edit?.(runs);
    return { fx, d: judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' }) };
  };
  const line = (e: Evidence | undefined) => e?.reproduce ?? '';

  it('bridge-nf-off on worker-2, frontend-1 → backend.shop:80: the sysctl on worker-2 (the VIP connect fails only when kube-proxy picks backend-0 there; the drawn backend-1 on worker-1 is healthy)', () => {
    const { fx, d } = judged('bridge-nf-off-other-endpoint');
    expect(d.firstFailure).toMatchObject({ hop: 'src-node', cause: 'bridge-netfilter' });
    expect(d.firstFailure!.reason).toMatch(/is DNATed to 10\.244\.2\.3:8080 on the same bridge cni0/);
    const shown = firstFailureShown(d).reproduce;
    expect(shown?.probe).toBe('bridge-nf');
    expect(line(shown)).toMatch(/^kubectl debug node\/worker-2 .* -- sysctl net\.bridge\.bridge-nf-call-iptables$/);
    expect(shown?.stdout).toMatch(/= 0/);
    // the hop's own next step names the node, the VIP and the endpoint whose connections fail
    expect(d.firstFailure!.nextStep).toMatch(/^On worker-2, `sysctl net\.bridge\.bridge-nf-call-iptables` says 0: set it to 1/);
    expect(d.firstFailure!.nextStep).toMatch(/kube-proxy sends to 10\.244\.2\.3:8080 fail: `nc -z -w 2 10\.96\.167\.219 80` in shop\/frontend-1 fails whenever kube-proxy picks that endpoint/);
    expect(d.firstFailure!.nextStep).not.toMatch(/10\.244\.1\.4/); // backend-1, the healthy endpoint
    // the same run with the VIP connect landing on backend-1 (it opens: that run's own connect to it, as it ran):
    // before, nothing had failed and the line was worker-2's ping of backend-1 — the healthy endpoint
    const open = fx.diagnosis.hops.flatMap((h) => h.evidence).find((e) => e.probe === 'tcp-connect' && e.command.includes('10.244.1.4'))!;
    expect(open.exitCode).toBe(0);
    const { d: landed } = judged('bridge-nf-off-other-endpoint', (runs) => {
      for (const [k, r] of runs) if (r.probe === 'tcp-connect' && r.argv.includes('10.96.167.219')) runs.set(k, { ...r, stdout: open.stdout, stderr: open.stderr.replaceAll('10.244.1.4', '10.96.167.219').replace(/\b8080\b/, '80'), exitCode: 0 });
    });
    expect(landed.verdict).toBe('degraded');
    expect(landed.firstFailure).toMatchObject({ hop: 'src-node', cause: 'bridge-netfilter' });
    const again = firstFailureShown(landed).reproduce;
    expect(again?.probe).toBe('bridge-nf');
    expect(line(again)).not.toMatch(/10\.244\.1\.4/);
    // with one ready endpoint (the same-node one) the VIP connect fails every time: it is the line
    const ff = d.firstFailure!;
    const vipOnly = { ...d, hops: d.hops.map((h) => (h.id === 'service' ? { ...h, details: { ...h.details, endpoints: ['10.244.2.3:8080'] } } : h)), firstFailure: ff };
    expect(firstFailureShown(vipOnly).reproduce?.command.slice(-2)).toEqual(['10.96.167.219', '80']);
  });

  it('pod-default-route-missing on the source, frontend-0 → backend.shop:80: the connect to the VIP it has no route to, not to an endpoint', () => {
    const { d } = judged('src-default-route-missing-service');
    expect(d.firstFailure).toMatchObject({ hop: 'src-pod', cause: 'pod-network' });
    expect(d.firstFailure!.reason).toMatch(/^shop\/frontend-0 has no route to 10\.96\.167\.219: "Network is unreachable"/);
    const shown = firstFailureShown(d).reproduce;
    expect(line(shown)).toMatch(/^kubectl debug -n shop frontend-0 .* -- nc -z -v -w 2 10\.96\.167\.219 80$/); // was backend-0's 10.244.2.3 8080
    expect(shown?.stderr).toMatch(/Network is unreachable/);
    // its next step names the pod (the source) and the command that shows its missing route
    expect(d.firstFailure!.nextStep).toMatch(/^Check shop\/frontend-0's sandbox on worker-1: `kubectl debug -n shop frontend-0 .* -- ip -j route get 10\.96\.167\.219` shows it;/);
  });

  it('hairpin off on worker-1, backend-1 → its own backend.shop:80: the bridge port flags on worker-1 (the VIP connect fails only when kube-proxy picks backend-1 itself), and a next step naming that port', () => {
    const { fx, d } = judged('hairpin-off-self');
    expect(d.firstFailure).toMatchObject({ hop: 'src-veth', cause: 'hairpin' });
    const shown = firstFailureShown(d).reproduce;
    expect(shown?.probe).toBe('bridge-link');
    expect(line(shown)).toMatch(/^kubectl debug node\/worker-1 .* -- bridge -j -d link show$/);
    expect((JSON.parse(shown!.stdout) as { ifname: string; hairpin: boolean }[]).find((p) => p.ifname === 'shop-backend-1')?.hairpin).toBe(false);
    expect(d.firstFailure!.nextStep).toBe('On worker-1, `bridge -d link show dev shop-backend-1` says hairpin off: Enable hairpin mode on the bridge ports (`bridge link set dev shop-backend-1 hairpin on`, kubelet --hairpin-mode=hairpin-veth) and check kube-proxy\'s masquerade for hairpin traffic.');
    // the same with the VIP connect failing (kube-proxy picked backend-1): still the flags, which show it every time
    const lost = fx.diagnosis.hops.flatMap((h) => h.evidence).find((e) => e.probe === 'tcp-connect' && e.exitCode !== 0);
    const failedVip = { ...d, hops: d.hops.map((h) => ({ ...h, evidence: h.evidence.map((e) => (e.probe === 'tcp-connect' && e.command.includes('10.96.167.219') ? { ...e, exitCode: 1, stderr: lost?.stderr ?? 'nc: connect to 10.96.167.219 port 80 (tcp) timed out: Operation now in progress\n' } : e)) })) };
    expect(firstFailureShown(failedVip).reproduce?.probe).toBe('bridge-link');
  });

  it('veth-down and node-firewall: the next step names the node and the veth / the rule (it said "the node", "the pod\'s host-side veth")', () => {
    const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'edge', 'udp-ours-veth-down.json'), 'utf8')) as RecordedDiagnosis;
    const { plan, runs } = replayPod(fx);
    const veth = judge({ plan, runs, snapshot: fx.snapshot, depth: 'live' });
    expect(veth.firstFailure).toMatchObject({ hop: 'dst-veth', cause: 'veth-down' });
    expect(veth.firstFailure!.nextStep).toBe('On k2, `ip link show veth6d48ac13` (the host side of mon/statsd-0\'s veth) says DOWN: bring it up (`ip link set veth6d48ac13 up`) or recreate the pod, then check why the CNI left it down.');
    const { d: fw } = judged('hostnet/pod-node-firewall');
    expect(fw.firstFailure).toMatchObject({ hop: 'src-node', cause: 'node-firewall' });
    expect(fw.firstFailure!.nextStep).toBe('On kind-control-plane, `iptables-save -t filter` shows `-A FORWARD -p tcp -m tcp --dport 9999 -j DROP` (iptables filter FORWARD), the first rule for TCP port 9999: remove or narrow it.');
    expect(firstFailureShown(fw).reproduce?.command.slice(-2)).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/), '9999']);
  });

  it('overlay-blocked and snat-missing: the next step names the node (and the rule, the peer, the outside address); the line is the connect that stops', () => {
    const { d: ob } = judged('overlay-blocked-pod'); // overlay-blocked:node=worker-2, frontend-0 → pod:shop/backend-0:8080
    expect(ob.firstFailure).toMatchObject({ hop: 'overlay', cause: 'overlay-blocked' });
    expect(ob.firstFailure!.nextStep).toBe("On worker-2, `iptables-save -t filter` shows `-A INPUT -p udp -m udp --dport 4789 -j DROP` (iptables filter INPUT), the first rule for the tunnel's UDP 4789: remove it or allow UDP 4789 from worker-1 (172.18.0.2) before it, and in the cloud firewall between the nodes; `tcpdump -ni any udp port 4789` on worker-2 shows the packets arrive and go no further.");
    expect(line(firstFailureShown(ob).reproduce)).toMatch(/^kubectl debug -n shop frontend-0 .* -- nc -z -v -w 2 10\.244\.2\.\d+ 8080$/);
    const { d: snat } = judged('edge/egress-masquerade-missing');
    expect(snat.firstFailure).toMatchObject({ hop: 'egress', cause: 'snat-missing' });
    expect(snat.firstFailure!.nextStep).toMatch(/^On node-b, `iptables-save -t nat` \(or `nft list ruleset`\) must masquerade .*`conntrack -L -d 198\.51\.100\.20`/);
  });

  it('a failure on the destination side still takes the endpoint\'s own connect (it fails every time); one the reason names comes first', () => {
    const ev = (probe: string, hop: string, exitCode: number, command: string[]): Evidence => ({ probe, where: `pod a/b ${hop}`, command, reproduce: command.join(' '), exitCode, stdout: '', stderr: '', durationMs: 1, finding: '' });
    const hops = [
      { id: 'src-pod' as const, evidence: [ev('addr', 'src-pod', 0, ['ip', 'addr'])] },
      { id: 'service' as const, evidence: [ev('tcp-connect', 'service', 1, ['nc', '10.96.0.50', '80'])] },
      { id: 'dst-veth' as const, evidence: [ev('node-link', 'dst-veth', 0, ['ip', 'link'])] },
      { id: 'dst-pod' as const, evidence: [ev('tcp-connect', 'dst-pod', 1, ['nc', '10.244.2.30', '8080']), ev('tcp-connect', 'dst-pod', 1, ['nc', '10.244.2.3', '8080'])] },
    ];
    const d = (hop: 'src-pod' | 'src-veth' | 'dst-veth', reason: string) => ({ hops: hops as unknown as Diagnosis['hops'], firstFailure: { hop, cause: hop === 'src-pod' ? 'pod-network' : 'veth-down', reason } as Diagnosis['firstFailure'] });
    expect(firstFailureShown(d('dst-veth', 'the host side of a/c is down')).reproduce?.reproduce).toBe('nc 10.244.2.30 8080');
    // the address the failure names, whole (10.244.2.3 is not 10.244.2.30)
    expect(firstFailureShown(d('dst-veth', 'the host side of a/c (10.244.2.3) is down')).reproduce?.reproduce).toBe('nc 10.244.2.3 8080');
    // the source's side: the VIP, as the app dials it, whatever the reason names
    expect(firstFailureShown(d('src-veth', 'the host side of a/b is down')).reproduce?.reproduce).toBe('nc 10.96.0.50 80');
    expect(firstFailureShown(d('src-pod', 'a/b has no route to 10.244.2.3.')).reproduce?.reproduce).toBe('nc 10.244.2.3 8080');
  });
});
