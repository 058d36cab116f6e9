// A mistyped Service name while the cluster DNS's upstream forwarder is down (default lab, fault upstream-dns-down):
// the resolver's cluster tries are NXDOMAIN and its last one, the bare name sent upstream, times out. The typo is
// what the on-call must fix ("did you mean backend?"), with the upstream said beside it; a real outside name is
// upstream-dns.
import { describe, expect, it } from 'vitest';
import { useLab, outcome } from './diagnoseLab';

const lab = useLab('ut', '../../../lab/default.yaml');

describe('a Service-name typo while the upstream DNS is down', () => {
  it('healthy: dns-nxdomain with the near Service', async () => {
    const d = await lab.diagnose('shop/frontend-0', 'backnd:80');
    expect(outcome(d)).toBe('unreachable/dns-nxdomain@dns');
    expect(d.firstFailure!.nextStep).toMatch(/did you mean backend\?/);
  });

  it('upstream-dns-down: still the typo first, the upstream beside it; an outside name is upstream-dns', async () => {
    await lab.withFault('upstream-dns-down', async () => {
      const d = await lab.diagnose('shop/frontend-0', 'backnd:80');
      expect(outcome(d)).toBe('unreachable/dns-nxdomain@dns');
      expect(d.firstFailure!.reason).toMatch(/^no Service matches "backnd" from namespace shop: .*NXDOMAIN, and its last try outside the cluster gets no answer/);
      expect(d.firstFailure!.nextStep).toMatch(/^Check the name: namespace shop has no Service backnd; did you mean backend\?.* Then the upstream forwarder/);
      expect(outcome(await lab.diagnose('shop/frontend-0', 'example.com:443'))).toBe('unreachable/upstream-dns@dns');
    });
  });
});
