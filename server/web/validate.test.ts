import { describe, expect, it } from 'vitest';
import { checkMatrixRequest, checkSpec } from './validate';
import { sliceOf, bundleMarkdown, mdUrl } from './bundle';
import { readFileSync } from 'node:fs';
import type { Diagnosis, Evidence } from '../../lib/model';

describe('checkMatrixRequest (POST /api/matrix, /api/matrix/whatif)', () => {
  const err = (body: unknown) => {
    const r = checkMatrixRequest(body);
    if (r.ok) throw new Error(`accepted ${JSON.stringify(body)}`);
    return r.e;
  };
  it('a namespace sent as a string is named as such, with the JSON list it should be, in the HTTP API\'s words', () => {
    const e = err({ namespaces: 'shop' });
    expect(e.field).toBe('namespaces');
    expect(e.error).toMatch(/^namespaces: must be a JSON list of namespace names, e\.g\. \{"namespaces": \["shop"\]\} \(got the string "shop"\) \(send \["shop"\]\)$/);
    expect(err({ namespaces: 'shop, db' }).error).toContain('(send ["shop","db"])');
    expect(err({ namespaces: 7 }).error).toMatch(/^namespaces: must be a JSON list .*\(got number\)$/);
  });
  it('never answers with the CLI\'s flags, and says what is wrong for each bad form', () => {
    for (const body of [{}, { namespaces: 'shop' }, { namespaces: [] }, { namespaces: null }, { namespaces: ['Shop'] }, { namespaces: ['shop'], context: 'a b' }]) {
      expect(err(body).error, JSON.stringify(body)).not.toMatch(/-n NS|--\w|kubectl/);
    }
    expect(err({}).error).toMatch(/^namespaces: name the namespaces .* as a JSON list/);
    expect(err({ namespaces: [] }).error).toMatch(/^namespaces: the list is empty; give at least one namespace/);
    expect(err({ namespaces: ['shop', 'Bad'] })).toEqual({ field: 'namespaces', error: 'namespaces[1]: "Bad" is not a namespace name (lower-case letters, digits and -, at most 63)' });
    expect(err({ namespaces: Array.from({ length: 21 }, (_, i) => `n${i}`) }).error).toMatch(/at most 20 namespaces in one matrix \(got 21\)/);
    expect(err({ namespaces: ['shop'], context: 'a b' })).toMatchObject({ field: 'context', error: expect.stringContaining('GET /api/contexts lists them') });
    expect(err('shop').field).toBe('body');
  });
  it('accepts a list (deduplicated), an optional context and allPods', () => {
    expect(checkMatrixRequest({ namespaces: ['shop', 'db', 'shop'] })).toEqual({ ok: true, namespaces: ['shop', 'db'], allPods: false });
    expect(checkMatrixRequest({ namespaces: ['shop'], context: 'kind-a', allPods: true })).toEqual({ ok: true, namespaces: ['shop'], context: 'kind-a', allPods: true });
    expect(checkMatrixRequest({ namespaces: ['shop'], context: '' })).toEqual({ ok: true, namespaces: ['shop'], allPods: false });
  });
});

describe('checkSpec', () => {
  it('accepts the target forms of DESIGN §2', () => {
    for (const to of ['backend', 'backend:80', 'backend.shop', 'backend.shop.svc.cluster.local:80', 'example.com', 'pod:shop/backend-0:8080', '10.96.0.10:53', 'backend.shop.svc.cluster.local.:80']) {
      expect(checkSpec({ from: 'shop/frontend-0', to })).toMatchObject({ ok: true, to });
    }
  });
  it('a misspelt field is named for the field it was meant to be, not ignored; other extra fields pass', () => {
    expect(checkSpec({ form: 'shop/frontend-0', to: 'backend:80' })).toMatchObject({ ok: false, e: { field: 'from', error: 'form: is not a field of this request; did you mean from? (the fields: from, to, context, previousId)' } });
    expect(checkSpec({ from: 'shop/frontend-0', to: 'backend:80', contxt: 'prod' })).toMatchObject({ ok: false, e: { field: 'context', error: expect.stringMatching(/^contxt: is not a field of this request; did you mean context\?/) } });
    expect(checkSpec({ from: 'shop/frontend-0', to: 'backend:80', clientVersion: '2' })).toMatchObject({ ok: true });
    expect(checkSpec({ from: 'shop/frontend-0', to: 'backend:80', previousId: 'abc' })).toMatchObject({ ok: true });
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
  it('writes its own URLs so they stay valid pasted as plain text: an autolink, never backslash-escaped', () => {
    const d = JSON.parse(readFileSync(new URL('../../lib/graph/fixtures/cross-node-mtu.json', import.meta.url), 'utf8')) as Diagnosis;
    d.trace = { flow: '10.244.1.3:41000 > 10.96.0.50:80/tcp', proto: 'tcp', points: [], lastSeen: null, summary: 'x' };
    const md = bundleMarkdown(d, 'http://127.0.0.1:3717/d/mqGvp_2JXHhv');
    expect(md).toContain('(<http://127.0.0.1:3717/d/mqGvp_2JXHhv>)');
    expect(md).toContain('- merged capture (pcapng, one interface per point): <http://127.0.0.1:3717/api/diagnoses/mqGvp_2JXHhv/capture.pcap>');
    expect(md).not.toContain('mqGvp\\_');
    // what could not be an autolink is a code span (also unescaped), never raw markup
    expect(mdUrl('http://h/d/a b')).toBe('`http://h/d/a b`');
    expect(mdUrl('http://h/d/x><script>')).toBe('`http://h/d/x><script>`');
    expect(mdUrl('javascript:alert(1)')).toBe('`javascript:alert(1)`');
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
