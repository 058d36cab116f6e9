// Sources node/NAME and outside, targets node/NAME:PORT (DESIGN §2, §3.2): accepted forms and the errors that name the field and the fix.
import { describe, expect, it } from 'vitest';
import { parseSource, parseTarget, sourceText, targetText } from './target';

describe('parseSource', () => {
  it('takes a pod, a node and outside', () => {
    expect(parseSource('shop/frontend-0')).toEqual({ ok: true, value: { kind: 'pod', namespace: 'shop', name: 'frontend-0' } });
    expect(parseSource('node/worker-1')).toEqual({ ok: true, value: { kind: 'node', node: 'worker-1' } });
    expect(parseSource(' outside ')).toEqual({ ok: true, value: { kind: 'outside' } });
    const r = parseSource('node/worker-1');
    expect(r.ok && sourceText(r.value)).toBe('node/worker-1');
  });
  it('refuses bad forms with the field and the accepted forms', () => {
    const bad = parseSource('node/Worker_1');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ field: 'from', message: expect.stringContaining('node/NAME') });
    const pod = parseSource('frontend');
    expect(!pod.ok && pod.error.message).toMatch(/NS\/POD.*node\/NAME.*outside/);
  });
});

describe('parseTarget node/NAME:PORT', () => {
  it('takes a node and a port', () => {
    const r = parseTarget('node/node-b:31080');
    expect(r).toEqual({ ok: true, value: { kind: 'node', node: 'node-b', port: 31080, text: 'node/node-b:31080' } });
    expect(r.ok && targetText(r.value)).toBe('node/node-b:31080');
  });
  it('needs the port and a valid name', () => {
    const np = parseTarget('node/node-b');
    expect(!np.ok && np.error.message).toMatch(/node\/NAME:PORT/);
    const range = parseTarget('node/node-b:70000');
    expect(!range.ok && range.error.field).toBe('port');
    const name = parseTarget('node/NODE:80');
    expect(!name.ok && name.error.field).toBe('to');
  });
  it('takes node names with dots as real clusters name them (EKS), as source and target, with a /udp suffix too', () => {
    const eks = 'ip-10-0-1-23.ec2.internal';
    expect(parseSource(`node/${eks}`)).toEqual({ ok: true, value: { kind: 'node', node: eks } });
    expect(parseTarget(`node/${eks}:30080`)).toEqual({ ok: true, value: { kind: 'node', node: eks, port: 30080, text: `node/${eks}:30080` } });
    expect(parseTarget(`node/${eks}:514/udp`)).toMatchObject({ ok: true, value: { kind: 'node', node: eks, port: 514 } });
    expect(parseSource('node/ip-10-0-1-23..ec2')).toMatchObject({ ok: false, error: { field: 'from' } });
  });
  it('external names and LoadBalancer IPs stay name and ip targets', () => {
    expect(parseTarget('api.partner.example:443')).toMatchObject({ ok: true, value: { kind: 'name', name: 'api.partner.example', port: 443 } });
    expect(parseTarget('198.51.100.130:80')).toMatchObject({ ok: true, value: { kind: 'ip', ip: '198.51.100.130', port: 80 } });
  });
});
