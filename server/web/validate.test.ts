import { describe, expect, it } from 'vitest';
import { checkSpec } from './validate';
import { sliceOf, bundleMarkdown } from './bundle';
import { readFileSync } from 'node:fs';
import type { Diagnosis, Evidence } from '../../lib/model';

describe('checkSpec', () => {
  it('accepts the target forms of DESIGN §2', () => {
    for (const to of ['backend', 'backend:80', 'backend.shop', 'backend.shop.svc.cluster.local:80', 'example.com', 'pod:shop/backend-0:8080', '10.96.0.10:53', 'backend.shop.svc.cluster.local.:80']) {
      expect(checkSpec({ from: 'shop/frontend-0', to })).toMatchObject({ ok: true, to });
    }
  });
  it('names the field and the accepted forms for bad input', () => {
    expect(checkSpec({ to: 'x' })).toMatchObject({ ok: false, e: { field: 'from' } });
    expect(checkSpec({ from: 'frontend-0', to: 'x' })).toMatchObject({ ok: false, e: { field: 'from' } });
    expect(checkSpec({ from: 'shop/frontend-0' })).toMatchObject({ ok: false, e: { field: 'to' } });
    for (const to of ['back end', 'pod:shop/backend-0', 'pod:backend-0:80', 'backend:0', 'backend:70000', 'http://backend', '-backend:80']) {
      const r = checkSpec({ from: 'shop/frontend-0', to });
      expect(r.ok, to).toBe(false);
      if (!r.ok) expect(r.e.error).toMatch(/^to: .*pod:NS\/NAME:PORT/);
    }
    expect(checkSpec({ from: 'shop/a', to: 'b:80', context: 7 })).toMatchObject({ ok: false, e: { field: 'context' } });
    expect(checkSpec('nope')).toMatchObject({ ok: false, e: { field: 'body' } });
    // a field of another type says so before the forms
    expect(checkSpec({ from: 5, to: 'b:80' })).toMatchObject({ ok: false, e: { field: 'from', error: expect.stringMatching(/^from: must be a string \(got number\); choose the source as NS\/POD/) } });
    expect(checkSpec({ from: 'shop/a', to: ['b:80'] })).toMatchObject({ ok: false, e: { field: 'to', error: expect.stringMatching(/^to: must be a string \(got an array\)/) } });
  });
  it('lists every bad field, in the order a person fills the form in, so a form marks them all at once', () => {
    const empty = checkSpec({});
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.errors.map((x) => x.field)).toEqual(['from', 'to']);
    const both = checkSpec({ to: '999.1.1.1:80', from: 'frontend-0', context: 7 });
    if (both.ok) throw new Error('accepted');
    expect(both.errors.map((x) => x.field)).toEqual(['from', 'to', 'context']);
    expect(both.e).toEqual(both.errors[0]);
    expect(both.errors[1].error).toMatch(/^to: "999\.1\.1\.1:80" is not a target/);
    // one sentence per field even when zod finds two things wrong with it
    const one = checkSpec({ from: 'shop/a', to: '' });
    if (!one.ok) expect(one.errors).toHaveLength(1);
  });
});

describe('evidence bundle', () => {
  const ev = (command: string[], probe = 'p'): Evidence => ({ probe, where: 'pod shop/a', command, reproduce: 'kubectl …', exitCode: 0, stdout: '', stderr: '', durationMs: 1, finding: '' });
  it('sorts evidence into the seed’s slices by the tool that produced it', () => {
    expect(sliceOf(ev(['ip', '-j', 'route', 'get', '10.0.0.1']))).toBe('route-neighbor');
    expect(sliceOf(ev(['bridge', '-j', 'fdb', 'show']))).toBe('route-neighbor');
    expect(sliceOf(ev(['ss', '-tlnH']))).toBe('socket');
    expect(sliceOf(ev(['dig', '+search', 'backend']))).toBe('dns');
    expect(sliceOf(ev(['cat', '/etc/resolv.conf'], 'resolv-conf'))).toBe('dns');
    expect(sliceOf(ev(['iptables-save', '-t', 'nat']))).toBe('nat-conntrack');
    expect(sliceOf(ev(['conntrack', '-S']))).toBe('nat-conntrack');
    expect(sliceOf(ev(['ping', '-c', '1', '10.0.0.1']))).toBe('reachability');
    expect(sliceOf(ev([], 'objects'))).toBe('objects');
  });
  it('fences cluster output so it cannot break out of its block', () => {
    const d = JSON.parse(readFileSync(new URL('../../lib/graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;
    d.hops[0].evidence = [{ ...ev(['ip', 'addr']), stdout: 'evil\n```\n# injected heading' }];
    const md = bundleMarkdown(d);
    expect(md).toContain('````\nevil\n```\n# injected heading\n````'); // a fence longer than any backtick run inside
    expect(md).toContain('- next step: Lower the pod MTU');
  });
});

describe('checkSpec agrees with the engine (lib/target)', () => {
  it('refuses what the CLI refuses, naming the field', () => {
    // 999.1.1.1 passed the old HTTP regex and failed the engine; one parser now decides both
    for (const to of ['999.1.1.1:80', '10.0.0.1', 'pod:Shop/x:80', 'a..b:80']) {
      expect(checkSpec({ from: 'shop/frontend-0', to }), to).toMatchObject({ ok: false, e: { field: 'to' } });
    }
    expect(checkSpec({ from: 'Shop/frontend-0', to: 'b:80' })).toMatchObject({ ok: false, e: { field: 'from' } });
    expect(checkSpec({ from: 'shop/frontend-0', to: 'b:80', context: 'x'.repeat(254) })).toMatchObject({ ok: false, e: { field: 'context' } });
  });
});
