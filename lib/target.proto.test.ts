// The /udp (or /tcp) suffix of --to: parsed, written back, and refused where it makes no sense.
import { describe, expect, it } from 'vitest';
import { parseTarget, targetText } from './target';
import { findServicePort } from './kube';

describe('parseTarget PORT/udp', () => {
  it('NAME:PORT/udp and IP:PORT/udp carry proto udp and keep the suffix in the text', () => {
    const n = parseTarget('time.example:123/udp');
    expect(n.ok && n.value).toEqual({ kind: 'name', name: 'time.example', port: 123, proto: 'udp', text: 'time.example:123/udp' });
    expect(n.ok && targetText(n.value)).toBe('time.example:123/udp');
    const ip = parseTarget('10.0.0.5:514/UDP');
    expect(ip.ok && ip.value).toMatchObject({ kind: 'ip', ip: '10.0.0.5', port: 514, proto: 'udp' });
    expect(ip.ok && targetText(ip.value)).toBe('10.0.0.5:514/udp');
    const pod = parseTarget('pod:infra/dns-0:5353/udp');
    expect(pod.ok && pod.value).toMatchObject({ kind: 'pod', namespace: 'infra', name: 'dns-0', port: 5353, proto: 'udp' });
  });
  it('no suffix: no proto (TCP, or what the Service port says); /tcp is explicit', () => {
    const t = parseTarget('backend.shop:80');
    expect(t.ok && 'proto' in t.value).toBe(false);
    expect(parseTarget('mydns.infra:53/tcp').ok && (parseTarget('mydns.infra:53/tcp') as { value: { proto: string } }).value.proto).toBe('tcp');
  });
  it('a suffix without a port, or another protocol, is refused naming --to and the fix', () => {
    const r = parseTarget('time.example/udp');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ field: 'to' });
    expect(!r.ok && r.error.message).toMatch(/NAME:PORT\/udp/);
    expect(parseTarget('time.example:123/sctp').ok).toBe(false);
  });
  it('another protocol after the port (/sctp) is refused saying only /tcp and /udp are supported, not just /udp', () => {
    const sctp = parseTarget('backend:80/sctp');
    expect(!sctp.ok && sctp.error).toEqual({ field: 'to', message: '--to "backend:80/sctp": only /tcp and /udp are supported (SCTP is not probed); fix: write backend:80/tcp or backend:80/udp, or no suffix for TCP' });
    const pod = parseTarget('pod:shop/backend-0:8080/SCTP');
    expect(!pod.ok && pod.error.message).toMatch(/^--to "pod:shop\/backend-0:8080\/SCTP": only \/tcp and \/udp are supported \(SCTP is not probed\); fix: write pod:shop\/backend-0:8080\/tcp or /);
    const http = parseTarget('10.0.0.5:80/http');
    expect(!http.ok && http.error.message).toBe('--to "10.0.0.5:80/http": only /tcp and /udp are supported; fix: write 10.0.0.5:80/tcp or 10.0.0.5:80/udp, or no suffix for TCP');
    const slash = parseTarget('shop/backend-0:80');
    expect(!slash.ok && slash.error.message).toMatch(/and a \/tcp or \/udp suffix after a port/);
  });
  it('a Service serving one port on TCP and UDP (DNS 53): the suffix picks the port', () => {
    const svc = { metadata: { name: 'mydns', namespace: 'infra' }, spec: { ports: [{ name: 'tcp', port: 53, protocol: 'TCP' }, { name: 'udp', port: 53, protocol: 'UDP' }] } };
    expect(findServicePort(svc, 53)?.name).toBe('tcp');
    expect(findServicePort(svc, 53, 'udp')?.name).toBe('udp');
    expect(findServicePort(svc, 53, 'tcp')?.name).toBe('tcp');
    expect(findServicePort(svc, 54, 'udp')).toBeUndefined();
  });
});
