import { describe, expect, it } from 'vitest';
import { firstNamespace } from './firstNamespace';

describe('firstNamespace', () => {
  it('offers the namespace where most pods are, not the first in the alphabet', () => {
    // the lab: db has one pod, shop four; kube-system more than either
    expect(firstNamespace(['batch', 'db', 'default', 'kube-system', 'shop'], { batch: 1, db: 1, 'kube-system': 6, shop: 4 })).toBe('shop');
  });
  it('ties and unknown counts fall back to the alphabet; system namespaces only when nothing else exists', () => {
    expect(firstNamespace(['db', 'shop'], {})).toBe('db');
    expect(firstNamespace(['default', 'kube-system'], { 'kube-system': 3 })).toBe('default');
    expect(firstNamespace([], {})).toBe('');
  });
});
