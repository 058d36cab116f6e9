// kube-apiserver's object validation as the lab API applies it (pure: no lab). Wording checked against
// apimachinery's messages (see validation.ts header for the files); the lab test (test/lab/security.test.ts)
// sends the same kinds of objects through the running API and real kubectl.
import { describe, expect, it } from 'vitest';
import { ApiError } from './status';
import { goQuote, isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName, isValidPortName, objectErrors, validateObject } from './validation';
import { renderPolicyRestore } from '../rules/index';
import { ruleComment } from '../rules/text';
import type { KubeObject } from '../types';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function thrown(f: () => void): ApiError {
  try {
    f();
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected a throw');
}

const policy = (name: string, extra: Record<string, unknown> = {}, spec: Record<string, unknown> = { podSelector: {} }) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop', ...extra }, spec });

describe('names', () => {
  const badSubdomains = ['Bad', 'bad_name', '-lead', 'trail-', 'a..b', '.a', 'a.', 'x\n-A FORWARD -j ACCEPT', 'ünï', 'a b', 'a"b', 'a\u202eb', 'a/b', '', 'a'.repeat(254)];
  const goodSubdomains = ['a', 'web-1', 'a.b.c', '0abc', 'a'.repeat(253)];
  it('DNS-1123 subdomains: every bad form is refused, good ones pass', () => {
    for (const n of badSubdomains) expect(isDNS1123Subdomain(n), JSON.stringify(n)).not.toEqual([]);
    for (const n of goodSubdomains) expect(isDNS1123Subdomain(n), n).toEqual([]);
    expect(isDNS1123Subdomain('a'.repeat(254))).toContain('must be no more than 253 characters');
  });
  it('DNS-1123 labels: dots get their own message, length 63', () => {
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
    expect(isDNS1123Label('a'.repeat(64))).toContain('must be no more than 63 characters');
    expect(isDNS1123Label('Web')[0]).toMatch(/^a lowercase RFC 1123 label must consist of .* \(e\.g\. 'my-name', {2}or '123-abc', regex used/);
  });
  it('a NetworkPolicy with a bad name → 422 Invalid in the API server wording, value quoted as Go quotes it', () => {
    for (const n of badSubdomains.filter((x) => x !== '')) {
      const e = thrown(() => validateObject('NetworkPolicy', policy(n), n));
      expect(e.code, n).toBe(422);
      expect(e.reason).toBe('Invalid');
      expect(e.details?.causes?.[0]).toMatchObject({ field: 'metadata.name', reason: 'FieldValueInvalid' });
      expect(e.message).not.toMatch(/\n/);
    }
    const e = thrown(() => validateObject('NetworkPolicy', policy('Bad_Name'), 'Bad_Name'));
    expect(e.message).toBe(`NetworkPolicy.networking.k8s.io "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`);
    const nl = thrown(() => validateObject('NetworkPolicy', policy('x\n-I FORWARD 1 -j ACCEPT'), 'x\n-I FORWARD 1 -j ACCEPT'));
    expect(nl.message).toContain('"x\\n-I FORWARD 1 -j ACCEPT" is invalid: metadata.name: Invalid value: "x\\n-I FORWARD 1 -j ACCEPT": a lowercase RFC 1123 subdomain');
  });
  it('generateName is checked as a prefix (a trailing dash is fine)', () => {
    expect(objectErrors('Pod', { metadata: { generateName: 'dbg-' } }, 'dbg-abcde')).toEqual([]);
    expect(objectErrors('Pod', { metadata: { generateName: 'Dbg-' } }, 'Dbg-abcde')[0]).toMatchObject({ field: 'metadata.generateName' });
  });
  it('names per kind: Namespace is a label, Service a DNS-1035 label', () => {
    expect(objectErrors('Namespace', { metadata: { name: 'a.b' } }, 'a.b')[0].body).toBe('Invalid value: "a.b": must not contain dots');
    expect(objectErrors('Service', { metadata: { name: '1abc' } }, '1abc')[0].body).toMatch(/a DNS-1035 label must consist of/);
    expect(objectErrors('Pod', { metadata: { name: 'a.b' } }, 'a.b')).toEqual([]);
  });
});

describe('labels and annotations', () => {
  it('label keys: qualified names with an optional subdomain prefix', () => {
    for (const k of ['app', 'app.kubernetes.io/name', 'A_b.c-1', 'x/'.slice(0, 1)]) expect(isQualifiedName(k), k).toEqual([]);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a valid label key must consist of/);
    expect(isQualifiedName('/a')).toContain('prefix part must be non-empty');
    expect(isQualifiedName('Bad_Prefix/a')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
    expect(isQualifiedName('a/')).toContain('name part must be non-empty');
    expect(isQualifiedName('k'.repeat(64))).toContain('name part must be no more than 63 characters');
    expect(isQualifiedName('-a')[0]).toMatch(/^name part must consist of alphanumeric characters, '-', '_' or '\.'/);
    expect(isQualifiedName('a\nb')).not.toEqual([]);
  });
  it('label values: empty or ≤63 alphanumerics with -_.', () => {
    for (const v of ['', 'v1', 'My_Value.2']) expect(isLabelValue(v), v).toEqual([]);
    for (const v of ['-x', 'x-', 'a b', 'a"b', 'a\u0007', 'x'.repeat(64), 'ä']) expect(isLabelValue(v), JSON.stringify(v)).not.toEqual([]);
    expect(isLabelValue('x'.repeat(64))).toContain('must be no more than 63 characters');
  });
  it('through validateObject: each bad key/value is one cause on metadata.labels; several errors aggregate as [a, b]', () => {
    const e = thrown(() => validateObject('NetworkPolicy', policy('ok', { labels: { 'bad key': 'v', good: 'bad value', fine: 'x' } }), 'ok'));
    expect(e.details?.causes?.map((c) => c.field)).toEqual(['metadata.labels', 'metadata.labels']);
    expect(e.message).toMatch(/^NetworkPolicy\.networking\.k8s\.io "ok" is invalid: \[metadata\.labels: Invalid value: "bad key": name part must consist of .*, metadata\.labels: Invalid value: "bad value": a valid label must be an empty string/);
  });
  it('annotations: keys as qualified names (case ignored), total at most 256 KiB', () => {
    expect(objectErrors('Pod', { metadata: { name: 'p', annotations: { 'Example.COM/Key': 'x' } } }, 'p')).toEqual([]);
    expect(objectErrors('Pod', { metadata: { name: 'p', annotations: { 'a b': 'x' } } }, 'p')[0]).toMatchObject({ field: 'metadata.annotations' });
    expect(objectErrors('Pod', { metadata: { name: 'p', annotations: { a: 'x'.repeat(256 * 1024 - 1) } } }, 'p')).toEqual([]);
    const big = objectErrors('Pod', { metadata: { name: 'p', annotations: { a: 'x'.repeat(256 * 1024) } } }, 'p');
    expect(big).toEqual([{ field: 'metadata.annotations', reason: 'FieldValueTooLong', body: 'Too long: must have at most 262144 bytes' }]);
    // bytes, not characters: 90 000 three-byte characters are 270 000 bytes
    expect(objectErrors('Pod', { metadata: { name: 'p', annotations: { a: '€'.repeat(90_000) } } }, 'p')[0]?.reason).toBe('FieldValueTooLong');
  });
});

describe('ports', () => {
  it('port names are IANA_SVC_NAME', () => {
    for (const n of ['http', 'web-8080', 'a1']) expect(isValidPortName(n), n).toEqual([]);
    expect(isValidPortName('HTTP')).toContain('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
    expect(isValidPortName('8080')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isValidPortName('-ab')).toEqual(['must not begin or end with a hyphen']);
    expect(isValidPortName('abcdefghijklmnop')).toContain('must be no more than 15 characters');
    expect(isValidPortName('we"b')).not.toEqual([]);
    expect(isValidPortName('<b>x</b>')).not.toEqual([]);
  });
  it('NetworkPolicy ports: numbers in range, names valid, endPort only with a numeric port ≥ port, protocols known', () => {
    const spec = (ports: unknown[]) => ({ podSelector: {}, ingress: [{ ports }] });
    const errs = (ports: unknown[]) => objectErrors('NetworkPolicy', policy('p', {}, spec(ports)), 'p').map((x) => `${x.field}: ${x.body}`);
    expect(errs([{ port: 80 }, { port: 'http' }, { port: 8000, endPort: 8080 }, { protocol: 'UDP', port: 53 }])).toEqual([]);
    expect(errs([{ port: 0 }])).toEqual(['spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']);
    expect(errs([{ port: 70000 }])[0]).toMatch(/between 1 and 65535/);
    expect(errs([{ port: 'Bad Name' }])[0]).toMatch(/^spec\.ingress\[0\]\.ports\[0\]\.port: Invalid value: "Bad Name"/);
    expect(errs([{ port: 'http', endPort: 90 }])[0]).toMatch(/endPort.*non-numeric/);
    expect(errs([{ port: 90, endPort: 80 }])[0]).toMatch(/endPort.*greater than or equal/);
    expect(errs([{ protocol: 'ICMP', port: 1 }])[0]).toBe('spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"');
  });
  it('selectors and ipBlocks inside a policy', () => {
    const e = objectErrors(
      'NetworkPolicy',
      policy('p', {}, { podSelector: { matchLabels: { 'a b': 'x' } }, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/33' } }, { namespaceSelector: { matchExpressions: [{ key: 'k', operator: 'Near', values: ['v'] }] } }] }] }),
      'p',
    );
    expect(e.map((x) => x.field)).toEqual(['spec.podSelector.matchLabels', 'spec.egress[0].to[0].ipBlock.cidr', 'spec.egress[0].to[1].namespaceSelector.matchExpressions[0].operator']);
  });
  it('Pod container names and ports (node debug pods)', () => {
    const pod = (containers: unknown[]) => ({ metadata: { name: 'dbg' }, spec: { containers } });
    expect(objectErrors('Pod', pod([{ name: 'debugger', ports: [{ name: 'metrics', containerPort: 9100 }] }]), 'dbg')).toEqual([]);
    const bad = objectErrors('Pod', pod([{ name: 'Debugger', ports: [{ name: 'x"y', containerPort: 0 }] }]), 'dbg').map((x) => x.field);
    expect(bad).toEqual(['spec.containers[0].name', 'spec.containers[0].ports[0].name', 'spec.containers[0].ports[0].containerPort']);
  });
});

describe('text that reaches rule text', () => {
  it('goQuote escapes controls, quotes and bidi controls as Go %q does', () => {
    expect(goQuote('a"b\\c\n\t\u0007\u001b')).toBe('"a\\"b\\\\c\\n\\t\\a\\x1b"');
    expect(goQuote('x\u202ey')).toBe('"x\\u202ey"');
    expect(goQuote('héllo')).toBe('"héllo"');
  });
  it('ruleComment leaves no newline, quote or backslash and caps the length', () => {
    for (const t of ['a\n-A FORWARD -j ACCEPT', 'a"b', 'a\\"', 'a\r\nb', '\u2028x', 'x'.repeat(1000)]) {
      const c = ruleComment(t);
      expect(c, JSON.stringify(t)).toMatch(/^[\x20-\x7e]*$/);
      expect(c).not.toMatch(/["\\]/);
      expect(c.length).toBeLessThanOrEqual(255);
    }
    expect(ruleComment('shop/backend:http')).toBe('shop/backend:http');
  });
  it('a policy name with a newline cannot add a line to iptables-restore input', () => {
    const hostile = 'x\n-I FORWARD 1 -j ACCEPT\n#';
    const pods: KubeObject[] = [{ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: 'web', labels: { app: 'web' } }, spec: { nodeName: 'n1' }, status: { podIP: '10.0.1.2' } } as KubeObject];
    const policies = [policy(hostile, {}, { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }) as unknown as KubeObject];
    const text = renderPolicyRestore({ policies, pods, namespaces: [], nodeName: 'n1' });
    expect(text).toContain('isolated by');
    expect(text.split('\n').filter((l) => /^-I FORWARD 1 -j ACCEPT/.test(l))).toEqual([]);
    for (const line of text.split('\n')) if (line.includes('isolated by')) expect(line).toMatch(/x\?-I FORWARD 1 -j ACCEPT\?#/);
  });
});
