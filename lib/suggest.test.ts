import { describe, expect, it } from 'vitest';
import { didYouMean, nearNames, someOf } from './suggest';

describe('nearNames', () => {
  it('finds the names a typo was meant to be, closest first', () => {
    expect(nearNames('backedn', ['backend', 'frontend', 'storefront'])).toEqual(['backend']);
    expect(nearNames('fronted-0', ['frontend-0', 'backend-0', 'backend-1'])).toEqual(['frontend-0']);
    expect(nearNames('frontend-O', ['frontend-0', 'frontend-1', 'backend-0'])).toEqual(['frontend-0', 'frontend-1']);
    expect(nearNames('--form', ['--from', '--to', '--json'])).toEqual(['--from']);
  });
  it('also names those that contain it or that it contains', () => {
    expect(nearNames('backend', ['backend-v2', 'postgres'])).toEqual(['backend-v2']);
    expect(nearNames('postgres-primary', ['postgres', 'redis'])).toEqual(['postgres']);
  });
  it('suggests nothing far off, nothing for an empty word, never the word itself', () => {
    expect(nearNames('zzz', ['backend', 'frontend'])).toEqual([]);
    expect(nearNames('', ['a'])).toEqual([]);
    expect(nearNames('Backend', ['backend'])).toEqual([]);
    // a short word allows one edit only: "db" is not "dns"
    expect(nearNames('db', ['dns', 'kb'])).toEqual(['kb']);
  });
  it('keeps at most max', () => {
    expect(nearNames('web', ['web-0', 'web-1', 'web-2', 'web-3'], 2)).toEqual(['web-0', 'web-1']);
  });
});

describe('didYouMean', () => {
  it('joins the names as a question', () => {
    expect(didYouMean([])).toBe('');
    expect(didYouMean(['backend'])).toBe('; did you mean backend?');
    expect(didYouMean(['a', 'b', 'c'])).toBe('; did you mean a, b or c?');
  });
});

describe('someOf', () => {
  it('lists at most 10 choices, the ones near the typed name first, and says how many more', () => {
    expect(someOf(['alpha', 'beta'])).toBe('alpha, beta');
    expect(someOf(['alpha', 'beta', 'prod-eu'], 'prod')).toBe('prod-eu, alpha, beta');
    const many = Array.from({ length: 25 }, (_, i) => `ctx-${i}`);
    expect(someOf(many)).toBe(`${many.slice(0, 10).join(', ')}, … and 15 more`);
    expect(someOf(many, 'ctx-24x').startsWith('ctx-24, ')).toBe(true);
    expect(someOf(many.slice(0, 10))).toBe(many.slice(0, 10).join(', '));
  });
});
