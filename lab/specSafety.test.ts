// Hostile lab files (issue 10), pure: each is refused by parseLabFile with the document, the field and a fix,
// before anything is built or torn down (test/lab/security.test.ts proves the running lab stays untouched).
import { describe, expect, it } from 'vitest';
import { parseLabFile } from './spec';
import { reservedRangeProblem } from './specSafety';
import { refusal } from './specTestkit';

const HEAD = `kind: Lab
cluster:
  nodes: [worker-1, worker-2]
  podCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/16
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
`;
const pod = (ports: string, meta = '{name: web-0, namespace: shop, labels: {app: web}}') => `---
apiVersion: v1
kind: Pod
metadata: ${meta}
spec:
  nodeName: worker-1
  containers: [{name: web, image: nginx, ports: ${ports}}]
`;
const svc = (ports: string) => `---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: ${ports}
`;
const pol = (ports: string) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: ${ports}}]
`;


const refusalOf = (text: string) => refusal(text, 'hostile.yaml');

describe('a hostile lab file is refused whole, naming document and field', () => {
  it('the good file parses', () => {
    expect(parseLabFile(HEAD + pod('[{containerPort: 8080, name: http}]') + svc('[{port: 80, targetPort: http, name: web}]') + pol('[{port: http}]')).manifests).toHaveLength(4);
  });
  const cases: [string, string, number, RegExp][] = [
    ['container port name with a quote', HEAD + pod(`[{containerPort: 8080, name: 'ht"tp'}]`), 3, /ports\[0\]\.name/],
    ['container port name with markup', HEAD + pod(`[{containerPort: 8080, name: '<b>x</b>'}]`), 3, /ports\[0\]\.name/],
    ['Service port name with a quote', HEAD + pod('[{containerPort: 8080}]') + svc(`[{port: 80, name: 'we"b'}]`), 4, /spec\.ports\[0\]\.name/],
    ['Service port name with a newline', HEAD + pod('[{containerPort: 8080}]') + svc(`[{port: 80, name: "a\\n-A FORWARD -j ACCEPT"}]`), 4, /spec\.ports\[0\]\.name/],
    ['Service targetPort name with markup', HEAD + pod('[{containerPort: 8080}]') + svc(`[{port: 80, targetPort: '<i>'}]`), 4, /spec\.ports\[0\]\.targetPort/],
    ['Service targetPort name with consecutive hyphens', HEAD + pod('[{containerPort: 8080}]') + svc(`[{port: 80, targetPort: 'a--b'}]`), 4, /spec\.ports\[0\]\.targetPort/],
    ['NetworkPolicy port name with a quote', HEAD + pod('[{containerPort: 8080}]') + pol(`[{port: 'ht"tp'}]`), 4, /spec\.ingress\[0\]\.ports\[0\]\.port/],
    ['NetworkPolicy port 0', HEAD + pod('[{containerPort: 8080}]') + pol('[{port: 0}]'), 4, /spec\.ingress\[0\]\.ports\[0\]\.port/],
    ['label value with a quote and a space', HEAD + pod('[{containerPort: 8080}]', `{name: web-0, namespace: shop, labels: {app: 'we"b x'}}`), 3, /metadata\.labels/],
    ['label key with a newline', HEAD + pod('[{containerPort: 8080}]', `{name: web-0, namespace: shop, labels: {"a\\nb": x}}`), 3, /metadata\.labels/],
    ['annotations over 256 KiB', HEAD + pod('[{containerPort: 8080}]', `{name: web-0, namespace: shop, annotations: {big: '${'x'.repeat(262_145)}'}}`), 3, /metadata\.annotations/],
  ];
  for (const [what, text, doc, field] of cases) {
    it(what, () => {
      const e = refusalOf(text);
      expect(e.doc).toBe(doc);
      expect(e.field).toMatch(field);
      expect(e.fix).not.toBe('');
      expect(e.message).toMatch(/^hostile\.yaml, document \d+/);
    });
  }
  for (const [key, cidr] of [
    ['podCIDR', '127.0.0.0/16'],
    ['podCIDR', '169.254.0.0/16'],
    ['podCIDR', '224.0.0.0/16'],
    ['serviceCIDR', '127.96.0.0/16'],
    ['serviceCIDR', '240.0.0.0/16'],
    ['podCIDR', '0.0.0.0/8'],
  ] as const) {
    it(`${key} ${cidr} is refused (not a unicast range pods or Services may use)`, () => {
      const e = refusalOf(HEAD.replace(key === 'podCIDR' ? '10.244.0.0/16' : '10.96.0.0/16', cidr));
      expect(e.doc).toBe(1);
      expect(e.field).toBe(`cluster.${key}`);
      expect(e.problem).toMatch(/loopback|link-local|multicast|reserved|this network/);
    });
  }
  it('a YAML alias bomb names its document', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    const e = refusalOf(`${HEAD}---\napiVersion: v1\nkind: Namespace\nmetadata: {name: db}\nx:\n${bomb.replace(/^/gm, '  ')}\n`);
    expect(e.doc).toBe(3);
    expect(e.problem).toMatch(/aliases/i);
    expect(e.fix).toMatch(/fewer aliases/);
  });
});

describe('reservedRangeProblem', () => {
  it('catches every overlap with a reserved range, not only the same prefix', () => {
    expect(reservedRangeProblem('126.0.0.0/7')).toMatch(/loopback/); // 126/7 contains 127/8
    expect(reservedRangeProblem('127.5.0.0/16')).toMatch(/loopback/);
    expect(reservedRangeProblem('10.244.0.0/16')).toBeNull();
    expect(reservedRangeProblem('172.16.0.0/12')).toBeNull();
    expect(reservedRangeProblem('192.0.0.0/2')).toMatch(/multicast|reserved/); // 192/2 spans 224/4 and 240/4
  });
});
