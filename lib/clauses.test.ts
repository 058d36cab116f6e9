import { describe, expect, it } from 'vitest';
import { endClause, joinClauses, joinReasons } from './clauses';

describe('joinClauses', () => {
  it('drops a sentence\'s full stop before the separator: never ".;"', () => {
    expect(joinClauses(['Allowed: ingress of db/postgres-0 admitted by db/only-backend (ingress[0]).', 'GET /bytes/100 answered 200'])).toBe('Allowed: ingress of db/postgres-0 admitted by db/only-backend (ingress[0]); GET /bytes/100 answered 200');
    expect(joinClauses(['a.', 'b.', 'c.'])).toBe('a; b; c.');
    expect(joinClauses(['ready at 10.244.1.4.', 'x'])).toBe('ready at 10.244.1.4; x');
  });
  it('skips empty clauses and keeps an ellipsis and an absolute name', () => {
    expect(joinClauses(['', undefined, 'a', false, null, 'b'])).toBe('a; b');
    expect(joinClauses([])).toBe('');
    expect(joinClauses(['wait...', 'b'])).toBe('wait...; b');
    expect(joinClauses(['backend.shop.svc.cluster.local.: NOERROR 10.96.0.50', 'api.partner.example.', 'c'])).toBe('backend.shop.svc.cluster.local.: NOERROR 10.96.0.50; api.partner.example.; c');
    expect(joinClauses(['a.', 'b'], ', ')).toBe('a, b');
  });
  it('endClause', () => {
    expect(endClause('It opened. ')).toBe('It opened');
    expect(endClause('no stop')).toBe('no stop');
  });
});

describe('joinReasons: why probes did not run, each kubelet reason once', () => {
  const pull = 'the kubelet reports ErrImagePull: failed to pull "docker.io/foo/bar:missing": not found (image foo/bar:missing)';
  it('footholds refused for the same reason are named together, the reason once', () => {
    expect(joinReasons([
      `the debug container packetwalk-debug in shop/frontend-0 cannot start: ${pull}`,
      `the node debug pod default/p-1 on worker-1 cannot start: ${pull}`,
      `the debug container packetwalk-debug in shop/frontend-0 cannot start: ${pull}`,
      `the node debug pod default/p-2 on worker-2 cannot start: ${pull}`,
    ])).toBe(`the debug container packetwalk-debug in shop/frontend-0, the node debug pod default/p-1 on worker-1 and the node debug pod default/p-2 on worker-2 cannot start: ${pull}`);
  });
  it('different reasons stay apart, in order; other sentences as they are', () => {
    expect(joinReasons(['node probes need create on pods in x.', 'a cannot start: r1', 'b cannot start: r2', undefined, 'a cannot start: r1']))
      .toBe('node probes need create on pods in x; a cannot start: r1; b cannot start: r2');
  });
});
