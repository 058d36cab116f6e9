// Input checks for POST /api/diagnoses: the message names the field and shows the accepted forms.
// The engine checks again (UsageError); this catches the malformed before a run starts.

export interface FieldError {
  field: string;
  error: string;
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const POD_NAME = '[a-z0-9]([-a-z0-9.]*[a-z0-9])?';
export const FROM_RE = new RegExp(`^${DNS_LABEL}/${POD_NAME}$`);
/** `node/NAME` (the node's own network) and `outside` (DESIGN §3.2). */
const FROM_EDGE_RE = new RegExp(`^(outside|node/${POD_NAME})$`);
const PORT = '([1-9][0-9]{0,4})';
const IPV4 = '((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])';
const TARGET_RES = [
  new RegExp(`^pod:${DNS_LABEL}/${POD_NAME}:${PORT}$`),
  new RegExp(`^${IPV4}:${PORT}$`),
  new RegExp(`^node/${POD_NAME}:${PORT}$`),
  new RegExp(`^(?=.{1,253}(:|$))${DNS_LABEL}(\\.${DNS_LABEL})*\\.?(:${PORT})?$`, 'i'),
];

export const TARGET_FORMS = 'NAME[:PORT] (e.g. backend.shop:80), pod:NS/NAME:PORT, node/NAME:PORT or IP:PORT';

function portOk(s: string): boolean {
  const m = /:(\d+)$/.exec(s);
  return !m || (Number(m[1]) >= 1 && Number(m[1]) <= 65535);
}

export function checkSpec(body: unknown): { ok: true; from: string; to: string; context?: string } | { ok: false; e: FieldError } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, e: { field: 'body', error: 'body: send a JSON object {"from": "NS/POD", "to": "TARGET"}' } };
  const b = body as Record<string, unknown>;
  const from = typeof b.from === 'string' ? b.from.trim() : '';
  const to = typeof b.to === 'string' ? b.to.trim() : '';
  if (!from) return { ok: false, e: { field: 'from', error: 'from: choose the source pod as NS/POD (e.g. shop/frontend-0), a node as node/NAME, or outside' } };
  if (!FROM_RE.test(from) && !FROM_EDGE_RE.test(from)) return { ok: false, e: { field: 'from', error: `from: "${from.slice(0, 80)}" is not NS/POD, node/NAME or outside; write the namespace and pod name (e.g. shop/frontend-0), a node (node/worker-1) or outside` } };
  if (!to) return { ok: false, e: { field: 'to', error: `to: type what the application dials: ${TARGET_FORMS}` } };
  if (!TARGET_RES.some((r) => r.test(to)) || !portOk(to)) return { ok: false, e: { field: 'to', error: `to: "${to.slice(0, 80)}" is not a target; use ${TARGET_FORMS}` } };
  if (b.context !== undefined && (typeof b.context !== 'string' || b.context.length > 253)) return { ok: false, e: { field: 'context', error: 'context: give a context name from the kubeconfig (GET /api/contexts lists them)' } };
  const context = typeof b.context === 'string' && b.context ? b.context : undefined;
  return { ok: true, from, to, ...(context ? { context } : {}) };
}
