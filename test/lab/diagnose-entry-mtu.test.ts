// An MTU blackhole on the node a north-south flow ENTERS, on a real lab (fixtures/ns-wide.yaml, a tester's lab file):
// mtu-blackhole:node=N shrinks N's tunnel (1200) and eth0 (1250) and drops the ICMP frag-needed N would send. N's own
// DF pings are refused locally ("message too long"), so they alone found nothing; the client's downloads through N
// (lib/plan/northSouth.ts entryDownloads, lib/verdict/overlay.ts judgeEntryDownloads / judgeEntryLinkDownloads)
// stall on the first full-size segment. Ground truth beside each: the same 200 kB download from the lab's outside
// client netns hangs through N and completes without the fault.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useLab, outcome } from './diagnoseLab';
import type { Diagnosis } from '../../lib/model';

const lab = useLab('em', 'ns-wide.yaml');

/** "PROBE URL" of every download the diagnosis ran. */
const bulk = (d: Diagnosis) => [...new Set(d.hops.flatMap((h) => h.evidence).filter((e) => /tcp-bulk$/.test(e.probe)).map((e) => `${e.probe} ${e.command[e.command.length - 1]}`))];

/** A 200 kB download from the lab's outside client netns (the test's own arrangement): "HTTP_CODE BYTES". */
async function groundTruth(url: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', `${lab.instance}-outside`, 'curl', '-s', '-m', '6', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url], { timeout: 10_000 }, (_e, stdout) => resolve(stdout.trim()));
  });
}

describe('MTU blackhole on the node the flow enters', () => {
  it('no fault: the LoadBalancer (externalTrafficPolicy Local, enters n2) and the NodePort on n1 are reachable, with no download sent', async () => {
    for (const to of ['198.51.100.129:80', 'node/n1:31080']) {
      const d = await lab.diagnose('outside', to);
      expect(outcome(d), to).toBe('reachable/-@-');
      expect(bulk(d), to).toEqual([]);
    }
    expect(await groundTruth('http://198.51.100.129/bytes/200000')).toBe('200 200000');
  });

  it('blackhole on n1, outside → NodePort on n1 (the pod on n2): degraded at overlay, n1\'s MTUs named', async () => {
    const d = await lab.withFault('mtu-blackhole:node=n1', async () => {
      expect(await groundTruth('http://172.18.0.2:31080/bytes/200000')).toBe('000 0');
      return lab.diagnose('outside', 'node/n1:31080');
    });
    expect(outcome(d)).toBe('degraded/mtu-blackhole@overlay');
    expect(bulk(d)).toHaveLength(2);
    expect(d.firstFailure!.reason).toMatch(/^from the outside client through [\d.]+:31080, a 100-byte answer arrives but a 65536-byte download stalls .* n1's own DF pings to [\d.]+ pass up to 1172 bytes .* refused locally/);
  });

  it('blackhole on n2, outside → the LoadBalancer entering n2 where its endpoint runs: degraded at src-node, eth0 1250 < pod MTU 1500', async () => {
    const d = await lab.withFault('mtu-blackhole:node=n2', async () => {
      expect(await groundTruth('http://198.51.100.129/bytes/200000')).toBe('000 0');
      return lab.diagnose('outside', '198.51.100.129:80');
    });
    expect(outcome(d)).toBe('degraded/mtu-blackhole@src-node');
    expect(bulk(d)).toEqual(['outside-tcp-bulk http://198.51.100.129:80/bytes/100', 'outside-tcp-bulk http://198.51.100.129:80/bytes/65536']);
    expect(d.firstFailure!.reason).toMatch(/^from the outside client through 198\.51\.100\.129:80, a 100-byte answer arrives but a 65536-byte download stalls after \d+ bytes: shop\/web-0's full-size answers leaving n2 vanish without an ICMP error; eth0 mtu 1250 on n2 < pod MTU 1500/);
  });

  it('blackhole on n1, a pod on n2 → NodePort on n1: its download stalls too', async () => {
    const d = await lab.withFault('mtu-blackhole:node=n1', () => lab.diagnose('shop/client-2', 'node/n1:31080'));
    expect(outcome(d)).toBe('degraded/mtu-blackhole@overlay');
    expect(bulk(d)).toEqual(['tcp-bulk http://172.18.0.2:31080/bytes/100', 'tcp-bulk http://172.18.0.2:31080/bytes/65536']);
  });
});
