import { describe, expect, it } from 'vitest';
import { blen, isDNS1123Label, isDNS1123Subdomain, isLabelName, isLabelValue, isQualifiedName, isSubdomainName, isValidPortName } from './names';

// Expectations from apimachinery's validation_test.go cases (TestIsDNS1123Label, TestIsValidPortName, …), read not copied.
describe('lib/kube/names', () => {
  it('RFC 1123 labels and subdomains as the API server decides them', () => {
    expect(isLabelName('frontend-0')).toBe(true);
    expect(isLabelName('a'.repeat(64))).toBe(false);
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
    expect(isDNS1123Label('Bad')[0]).toMatch(/^a lowercase RFC 1123 label must consist of/);
    expect(isSubdomainName('web-0.web')).toBe(true);
    expect(isSubdomainName('x'.repeat(254))).toBe(false);
    expect(isDNS1123Subdomain('-x')[0]).toMatch(/regex used for validation is/);
  });
  it('label keys, values and port names', () => {
    expect(isQualifiedName('app.kubernetes.io/name')).toEqual([]);
    expect(isQualifiedName('a/b/c')).toHaveLength(1);
    expect(isLabelValue('')).toEqual([]);
    expect(isLabelValue('bad value')).toHaveLength(1);
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('8080')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isValidPortName('"x')).toContain('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  });
  it('counts bytes as Go does (UTF-8)', () => {
    expect(blen('é')).toBe(2);
    expect(isLabelValue('é'.repeat(32))).toContain('must be no more than 63 characters');
  });
});
