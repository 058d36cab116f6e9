// Which kept node debug pods a diagnosis may reuse, over pods as the lab's API served them (fixtures/lab/README.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEEP_UNTIL, keptPodEnded, nodeDebugPodName, nodeLabelValue, parseKeepSeconds, reusableNodePods, type PodLike } from './nodeDebug';
import { isDNS1123Label, isDNS1123Subdomain, isLabelValue } from './names';

const load = (f: string): PodLike => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'lab', f), 'utf8'));
const running = load('kept-node-debug-pod.json');
const ended = load('kept-node-debug-pod-deadline.json');
const until = Date.parse(running.metadata!.annotations![KEEP_UNTIL]);
const image = running.spec!.containers![0].image!;
const node = running.spec!.nodeName!;

describe('reusableNodePods', () => {
  it('reuses a Running kept pod of the same image before its keep-until, one per node', () => {
    expect(reusableNodePods([running], image, until - 1000)).toEqual(new Map([[node, { name: running.metadata!.name, keepUntil: running.metadata!.annotations![KEEP_UNTIL] }]]));
  });

  it('not after keep-until, not with another image, not while being deleted, not when ended, not a look-alike (pod network, unprivileged), not unlabelled', () => {
    expect(reusableNodePods([running], image, until).size).toBe(0);
    expect(reusableNodePods([running], 'busybox', until - 1000).size).toBe(0);
    const deleting = { ...running, metadata: { ...running.metadata, deletionTimestamp: new Date(until - 2000).toISOString() } };
    expect(reusableNodePods([deleting], image, until - 1000).size).toBe(0);
    const fresh = { ...ended, metadata: { ...ended.metadata, annotations: { [KEEP_UNTIL]: new Date(until).toISOString() } } };
    expect(reusableNodePods([fresh], fresh.spec!.containers![0].image!, until - 1000).size).toBe(0);
    const podNet = { ...running, spec: { ...running.spec, hostNetwork: false } };
    expect(reusableNodePods([podNet], image, until - 1000).size).toBe(0);
    const unprivileged = { ...running, spec: { ...running.spec, containers: running.spec!.containers!.map((c) => ({ ...c, securityContext: {} })) } };
    expect(reusableNodePods([unprivileged], image, until - 1000).size).toBe(0);
    const plain = { ...running, metadata: { ...running.metadata, labels: { ...running.metadata!.labels, 'packetwalk.dev/keep': 'false' } } };
    expect(reusableNodePods([plain], image, until - 1000).size).toBe(0);
  });

  it('of two kept pods on a node, the one kept longer', () => {
    const later = { ...running, metadata: { ...running.metadata, name: 'later', annotations: { [KEEP_UNTIL]: new Date(until + 30_000).toISOString() } } };
    expect(reusableNodePods([running, later], image, until - 1000).get(node)?.name).toBe('later');
    expect(reusableNodePods([later, running], image, until - 1000).get(node)?.name).toBe('later');
  });
});

describe('keptPodEnded', () => {
  it('is true for the kubelet-ended pod only', () => {
    expect(ended.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    expect(keptPodEnded(ended)).toBe(true);
    expect(keptPodEnded(running)).toBe(false);
  });
});

describe('parseKeepSeconds', () => {
  it('takes whole seconds 0..300 and names the fix otherwise', () => {
    expect(parseKeepSeconds('120', '--keep-node-pods')).toBe(120);
    expect(parseKeepSeconds('0', '--keep-node-pods')).toBe(0);
    for (const bad of ['301', '-5', '2m', '1.5', '']) {
      expect(parseKeepSeconds(bad, '--keep-node-pods')).toBe(`--keep-node-pods "${bad}" is not a number of seconds from 0 to 300: give e.g. 120 to keep the node debug pods for two minutes, 0 to delete them when the diagnosis ends`);
    }
  });
});

describe('a node debug pod for a node named as EKS or GKE name them (DNS subdomains, up to 253 characters)', () => {
  const dotted = 'ip-10-0-1-23.ec2.internal';
  const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
  it('names the pod with a DNS label and labels it with a valid value, the node name itself when it fits', () => {
    expect(isDNS1123Subdomain(longest)).toEqual([]);
    expect(nodeDebugPodName('worker-1', 'abcde')).toBe('packetwalk-node-worker-1-abcde');
    expect(nodeDebugPodName(dotted, 'abcde')).toBe('packetwalk-node-ip-10-0-1-23-ec2-internal-abcde');
    expect(nodeLabelValue(dotted)).toBe(dotted);
    for (const n of [dotted, longest, `${'x'.repeat(50)}.y`]) {
      expect(isDNS1123Label(nodeDebugPodName(n, 'abcde'))).toEqual([]);
      expect(isLabelValue(nodeLabelValue(n))).toEqual([]);
    }
    // cut names stay distinct
    expect(nodeLabelValue(`${longest.slice(0, 200)}x`)).not.toBe(nodeLabelValue(`${longest.slice(0, 200)}y`));
  });
});
