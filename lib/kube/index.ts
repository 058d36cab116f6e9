// lib/kube: pure functions over Kubernetes API objects and parsed node dumps. The engine imports from here.
export * from './types';
export * from './selectors';
export * from './endpoints';
export * from './ports';
export * from './cidr';
export * from './networkPolicy';
