// The text report of `packetwalk diagnose` (server/cli/diagnose.ts renderHuman) on recorded lab diagnoses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../lib/model';
import { renderHuman } from './diagnose';

const load = (name: string) => (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'lib', 'verdict', 'fixtures', `${name}.json`), 'utf8')) as { diagnosis: Diagnosis }).diagnosis;

describe('renderHuman', () => {
  it('a target without a port is headed with the Service port the path was walked on', () => {
    const d = load('healthy-service'); // to: backend:80
    expect(renderHuman(d, false).split('\n')[0]).toBe('packetwalk shop/frontend-0 → backend:80  (context lab, live depth)');
    expect(renderHuman({ ...d, spec: { ...d.spec, to: 'backend' } }, false).split('\n')[0]).toBe('packetwalk shop/frontend-0 → backend (port 80)  (context lab, live depth)');
  });
  it('a target without /udp that was dialled over UDP (a UDP Service port) says so in the header; TCP and a suffix add nothing', () => {
    const d = load('healthy-service');
    const udp = { ...d, hops: d.hops.map((h) => (h.id === 'service' ? { ...h, details: { ...h.details, protocol: 'UDP' } } : h)) };
    expect(renderHuman({ ...udp, spec: { ...d.spec, to: 'statsd.mon:8125' } }, false).split('\n')[0]).toBe('packetwalk shop/frontend-0 → statsd.mon:8125/udp  (context lab, live depth)');
    expect(renderHuman({ ...udp, spec: { ...d.spec, to: 'statsd.mon' } }, false).split('\n')[0]).toBe('packetwalk shop/frontend-0 → statsd.mon (port 80/udp)  (context lab, live depth)');
    expect(renderHuman({ ...udp, spec: { ...d.spec, to: 'statsd.mon:8125/udp' } }, false).split('\n')[0]).toBe('packetwalk shop/frontend-0 → statsd.mon:8125/udp  (context lab, live depth)');
    const tcp = { ...d, hops: d.hops.map((h) => (h.id === 'service' ? { ...h, details: { ...h.details, protocol: 'TCP' } } : h)) };
    expect(renderHuman({ ...tcp, spec: { ...d.spec, to: 'kube-dns.kube-system:53' } }, false).split('\n')[0]).toBe('packetwalk shop/frontend-0 → kube-dns.kube-system:53  (context lab, live depth)');
  });
  it('a DNS failure beside a trace that got through says the trace dialled the address, not the name', () => {
    const d = load('trace-dns-overlay-blocked'); // DNS times out (its pod is behind the blocked tunnel); the trace dials the VIP
    expect(d.firstFailure?.hop).toBe('dns');
    expect(renderHuman(d, false)).toContain('last seen: pod ');
    expect(renderHuman(d, false)).toMatch(/\nlast seen: .*; the answer came back from 10\.32\.2\.2:9000 — the trace dials 10\.100\.85\.164:80 directly, not by the name\n/);
  });
  it('the first failure: its reason once (not also on the verdict line), what its hop observed, the next step and the command that shows it', () => {
    const d = load('mtu-blackhole');
    const text = renderHuman(d, false);
    const reason = d.firstFailure!.reason;
    expect(text.split(reason)).toHaveLength(3); // the hop's line and the first-failure line, not the verdict line
    expect(text).toMatch(/\nverdict: DEGRADED — [^\n]*MTU blackhole on the path at overlay\n/);
    const observed = d.hops.find((h) => h.id === 'overlay')!.observed!;
    expect(observed).toMatch(/DF pings to 10\.244\.\d+\.\d+: up to \d+ bytes pass/);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('first failure: mtu-blackhole at overlay: '));
    expect(lines.slice(at + 1, at + 4).map((l) => l.split(':')[0])).toEqual(['evidence', 'next step', 'reproduce']);
    expect(lines[at + 1]).toBe(`evidence: ${observed}`);
    expect(lines[at + 3]).toMatch(/^reproduce: kubectl debug .* -- ping -n -M do /);
  });
  it("an outside client's reproduce line, the bare command, says it runs here, outside the cluster", () => {
    const d = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'lib', 'verdict', 'fixtures', 'edge', 'ns-host-port-closed.json'), 'utf8')) as { diagnosis: Diagnosis }).diagnosis;
    expect(d.spec.from).toBe('outside');
    expect(renderHuman(d, false)).toMatch(/\nreproduce \(here, outside the cluster\): nc -z -v -w 2 \S+ 10299\n/);
    expect(renderHuman(load('mtu-blackhole'), false)).toMatch(/\nreproduce: kubectl debug /);
  });
  it('a sentence after the first failure\'s reason (the traced connection went elsewhere) keeps its full stop on the verdict line', () => {
    const d = load('stale-proxy-rules');
    const ff = d.firstFailure!;
    const note = 'The traced connection went to 10.244.2.254:8080 and the hops are drawn to shop/backend-0 10.244.2.3 on worker-2: kube-proxy picks an endpoint per connection.';
    const text = renderHuman({ ...d, summary: `kube-proxy rules point at old endpoints at ${ff.hop}: ${ff.reason.replace(/\.?$/, '.')} ${note}` }, false);
    expect(text).toContain(`\nverdict: UNREACHABLE — kube-proxy rules point at old endpoints at ${ff.hop}. ${note}\n`);
  });
  it('a warning whose reason its hop\'s line already says gives the next step instead; one that is not said there gives both', () => {
    const d = load('healthy-service');
    const reason = '"backend.shop" has fewer than 5 dots, so the resolver tries 1 search name first (backend.shop.shop.svc.cluster.local): 4 queries (A and AAAA each) for one lookup';
    const nextStep = 'Use the FQDN with a trailing dot (`backend.shop.svc.cluster.local.`) or lower `ndots` in the pod\'s dnsConfig.';
    const warned: Diagnosis = { ...d, hops: d.hops.map((h) => (h.id === 'dns' ? { ...h, status: 'warn', summary: reason } : h)), warnings: [{ hop: 'dns', cause: 'ndots-amplification', reason, nextStep }] };
    const text = renderHuman(warned, false);
    expect(text.split(reason)).toHaveLength(2); // once, on the dns hop's line
    expect(text).toContain(`\nwarning: ndots-amplification at dns — next step: ${nextStep}\n`);
    const elsewhere: Diagnosis = { ...warned, warnings: [{ hop: 'src-node', cause: 'conntrack-pressure', reason: 'conntrack 900 of 1000 entries (90%) on worker-1', nextStep: 'Raise nf_conntrack_max.' }] };
    expect(renderHuman(elsewhere, false)).toContain('\nwarning: conntrack-pressure at src-node: conntrack 900 of 1000 entries (90%) on worker-1 — next step: Raise nf_conntrack_max.\n');
  });
  it('no such note when the failure is on the path itself', () => {
    const d = load('trace-node-route-missing');
    expect(d.firstFailure?.hop).not.toBe('dns');
    expect(renderHuman(d, false)).not.toContain('directly, not by the name');
    expect(renderHuman(d, false)).not.toContain('the answer came back'); // it did not
  });
});
