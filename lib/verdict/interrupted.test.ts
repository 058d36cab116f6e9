// A run stopped before its walk finished (Ctrl-C, SIGTERM): the judgement says so (lib/verdict interruptedJudgement).
import { describe, expect, it } from 'vitest';
import type { Hop } from '../model';
import { interruptedJudgement, type Judgement } from './index';

const hop = (id: Hop['id'], status: Hop['status']): Hop => ({ id, kind: 'pod', label: id, status, summary: status === 'skip' ? 'not probed: the diagnosis was stopped while the node debug pod was starting' : 'ok', cause: null, evidence: [] });

describe('interruptedJudgement', () => {
  const j: Judgement = {
    hops: [hop('src-pod', 'pass'), hop('dns', 'warn'), hop('src-node', 'skip'), hop('dst-pod', 'pass')],
    verdict: 'reachable',
    firstFailure: null,
    warnings: [],
    summary: 'shop/frontend-0 reaches backend.shop:80 (shop/backend-0 10.244.2.3); every hop checked.',
  };

  it('is interrupted, and counts the hops judged instead of claiming a finished walk', () => {
    const x = interruptedJudgement(j);
    expect(x.verdict).toBe('interrupted');
    expect(x.summary).toBe('Stopped before the walk finished: 3 of 4 hops judged from the probes that had run.');
    expect(x.hops).toBe(j.hops);
  });

  it('names a failure proven before the stop', () => {
    const x = interruptedJudgement({ ...j, verdict: 'unreachable', firstFailure: { hop: 'dns', cause: 'dns-nxdomain', reason: 'backend.shop: NXDOMAIN', nextStep: 'x' } });
    expect(x.summary).toBe('Stopped before the walk finished: 3 of 4 hops judged from the probes that had run. Found before the stop: dns-nxdomain at dns: backend.shop: NXDOMAIN');
    expect(x.firstFailure?.cause).toBe('dns-nxdomain');
  });
});
