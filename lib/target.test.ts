// TARGET and --from parsing (DESIGN §2): strict, every refusal names the field and the fix.
import { describe, expect, it } from 'vitest';
import { dialledPort, parseFrom, parseSource, parseTarget, targetText } from './target';

describe('parseTarget', () => {
  it.each([
    ['backend', { kind: 'name', name: 'backend' }],
    ['backend:80', { kind: 'name', name: 'backend', port: 80 }],
    ['backend.shop.svc.cluster.local:8080', { kind: 'name', name: 'backend.shop.svc.cluster.local', port: 8080 }],
    ['example.com.:443', { kind: 'name', name: 'example.com.', port: 443 }],
    ['pod:shop/backend-0:8080', { kind: 'pod', namespace: 'shop', name: 'backend-0', port: 8080 }],
    ['10.96.0.10:53', { kind: 'ip', ip: '10.96.0.10', port: 53 }],
  ])('%s', (text, want) => {
    const r = parseTarget(text);
    expect(r.ok && r.value).toMatchObject(want);
    if (r.ok) expect(targetText(r.value)).toBe(text.replace(/^(example\.com\.)/, '$1'));
  });

  it.each([
    ['backend;id:80', 'to', /contains ";"/],
    ['$(reboot)', 'to', /contains "\$"/],
    ['back end:80', 'to', /contains " "/],
    ['backend:0', 'port', /port 0 is out of range; use a port between 1 and 65535/],
    ['backend:65536', 'port', /out of range/],
    ['backend:http', 'port', /port "http" is not a number/],
    ['10.0.0.300:80', 'to', /not an IPv4 address/],
    ['10.0.0.3', 'port', /an IP target needs a port/],
    ['pod:shop/backend-0', 'to', /pod:NS\/NAME:PORT/],
    ['shop/backend-0:80', 'to', /only pod and node targets contain '\/'/],
    ['-rf:80', 'to', /not a valid DNS name/],
    ['', 'to', /--to is empty/],
    // a URL: the host and port it dials, the scheme (and path) dropped; http and https without a port say 80 and 443
    ['http://backend:80', 'to', /^--to "http:\/\/backend:80" is a URL; the target is the host and port the application dials; fix: drop "http:\/\/": --to backend:80$/],
    ['https://api.example.com/v1?x=1', 'to', /fix: drop "https:\/\/" and the path: --to api\.example\.com:443$/],
    ['HTTP://backend', 'to', /fix: drop "HTTP:\/\/": --to backend:80$/],
    ['grpc://backend', 'to', /fix: drop "grpc:\/\/": --to backend:PORT$/],
  ])('refuses %j', (text, field, msg) => {
    const r = parseTarget(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.field).toBe(field);
      expect(r.error.message).toMatch(msg);
    }
  });
});

describe('parseFrom', () => {
  it('takes NS/POD', () => {
    expect(parseFrom('shop/frontend-0')).toEqual({ ok: true, value: { namespace: 'shop', name: 'frontend-0' } });
  });
  it.each([
    ['frontend-0', /is not NS\/POD/],
    ['shop/', /is not NS\/POD/],
    ['Shop/frontend-0', /namespace "Shop" is not a valid namespace name/],
    ['shop/front`id`', /contains "`"/],
    ['a/b/c', /is not NS\/POD/],
  ])('refuses %j', (text, msg) => {
    const r = parseFrom(text);
    expect(!r.ok && r.error.message).toMatch(msg);
  });
});

describe('dialledPort', () => {
  const svcHop = { id: 'service' as const, details: { vip: '10.96.0.20:80', endpoints: ['10.244.2.2:8080'] } };
  it('is the Service port the plan chose for a port-less name', () => {
    expect(dialledPort('backend.shop', [svcHop])).toBe(80);
    expect(dialledPort('backend', [{ id: 'src-pod', details: {} }, svcHop])).toBe(80);
  });
  it('says nothing when the target gave a port, is not a name, or no Service hop records one', () => {
    expect(dialledPort('backend.shop:80', [svcHop])).toBeUndefined();
    expect(dialledPort('pod:shop/backend-0:8080', [svcHop])).toBeUndefined();
    expect(dialledPort('example.com', [{ id: 'external', details: {} }])).toBeUndefined();
    expect(dialledPort('not a target', [svcHop])).toBeUndefined();
  });
});

describe('input mistakes said as what they are', () => {
  const msg = (r: ReturnType<typeof parseTarget> | ReturnType<typeof parseSource>) => (r.ok ? '' : r.error.message);
  it('--to :80 needs a host (was: "" is not a valid DNS name)', () => {
    expect(msg(parseTarget(':80'))).toBe('--to ":80" needs a host before :PORT; give NAME:PORT, IP:PORT or pod:NS/NAME:PORT, e.g. --to backend.shop:80');
  });
  it('[::1]:80: IPv6 is not supported yet (was: contains "[")', () => {
    expect(msg(parseTarget('[::1]:80'))).toBe('--to "[::1]:80": IPv6 targets are not supported yet; give NAME[:PORT] or IPv4:PORT');
  });
  it('a newline in --to is escaped like ESC, never printed raw', () => {
    expect(msg(parseTarget('a\nb:80'))).toMatch(/^--to "a\\nb:80" contains "\\n", which/);
    expect(msg(parseTarget('a\x1b[2J:80'))).toMatch(/^--to "a\\x1b\[2J:80" contains "\\x1b", which/);
    expect(msg(parseSource('shop/a\nb'))).not.toContain('\n');
  });
  it('a name too long says its length and the limit (was: "lowercase letters …")', () => {
    expect(msg(parseSource(`shop/${'a'.repeat(300)}`))).toMatch(/^--from: pod name "a{39}…" is 300 characters, over the 253 a pod name may have/);
    expect(msg(parseTarget(`pod:shop/${'a'.repeat(300)}:80`))).toMatch(/^--to: pod name "a{39}…" is 300 characters, over the 253/);
    expect(msg(parseSource(`${'a'.repeat(64)}/x`))).toMatch(/^--from: namespace name "a{39}…" is 64 characters, over the 63 a namespace name may have/);
    expect(msg(parseSource('Shop/x'))).toMatch(/^--from: namespace "Shop" is not a valid namespace name \(lowercase/);
  });
});
