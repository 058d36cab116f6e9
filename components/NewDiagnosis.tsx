'use client';
// "/": pick a context and a source — a pod (namespace + search-as-you-type from the server's informer cache),
// a node's own network (node picker) or a client outside the cluster — type the target (suggestions:
// Services, their NodePort and LoadBalancer addresses, pods, recent targets), Diagnose. Errors come back naming the field and
// are shown under it; cluster problems (unreachable, RBAC) show the server's sentence and fix.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { remember, remembered } from './remember';
import { firstNamespace } from './firstNamespace';
import { useRouter } from 'next/navigation';
import { getSocket } from './socket';
import { groupRecent, rowTime, type RecentItem } from './recentRows';

interface Ctx {
  name: string;
  cluster: string;
  namespace: string;
  server: string;
}
interface Pod {
  namespace: string;
  name: string;
  ip: string;
  phase: string;
  node: string;
}
interface Suggestion {
  value: string;
  kind: 'service' | 'pod' | 'recent' | 'nodeport' | 'loadbalancer';
  hint: string;
}
interface NodeChoice {
  name: string;
  ip: string;
}
type SourceKind = 'pod' | 'node' | 'outside';
const SOURCE_KINDS: { kind: SourceKind; label: string }[] = [
  { kind: 'pod', label: 'Pod' },
  { kind: 'node', label: 'Node' },
  { kind: 'outside', label: 'Outside the cluster' },
];
interface ApiError {
  error: string;
  fix?: string;
  field?: string;
  /** every bad field of a 400 (POST /api/diagnoses), first one = field/error */
  errors?: { field: string; error: string }[];
  sentence?: string;
}

async function getJson<T>(url: string): Promise<{ ok: true; v: T } | { ok: false; e: ApiError }> {
  try {
    const r = await fetch(url);
    const body = (await r.json().catch(() => ({ error: `HTTP ${r.status}` }))) as T & ApiError;
    return r.ok ? { ok: true, v: body } : { ok: false, e: body };
  } catch (e) {
    return { ok: false, e: { error: `the packetwalk server did not answer (${(e as Error).message})` } };
  }
}

function useDebounced<T>(v: T, ms: number): T {
  const [d, setD] = useState(v);
  useEffect(() => {
    const t = setTimeout(() => setD(v), ms);
    return () => clearTimeout(t);
  }, [v, ms]);
  return d;
}

const field = 'w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-base dark:border-slate-600 dark:bg-slate-900';
const VERDICT_DOT: Record<string, string> = { reachable: 'bg-emerald-500', unreachable: 'bg-red-500', degraded: 'bg-amber-400', running: 'bg-sky-400', undetermined: 'bg-slate-400', interrupted: 'bg-slate-400' };

export function NewDiagnosis() {
  const router = useRouter();
  const [contexts, setContexts] = useState<Ctx[]>([]);
  const [context, setContext] = useState('');
  const [namespaces, setNamespaces] = useState<string[]>([]);
  const [namespace, setNamespace] = useState('');
  const [podQuery, setPodQuery] = useState('');
  const [sourceKind, setSourceKind] = useState<SourceKind>('pod');
  const [nodes, setNodes] = useState<NodeChoice[]>([]);
  const [node, setNode] = useState('');
  const [pods, setPods] = useState<Pod[]>([]);
  const [target, setTarget] = useState('');
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [clusterError, setClusterError] = useState<ApiError | null>(null);
  const [fieldErrors, setFieldErrors] = useState<{ field: string; error: string }[]>([]);
  // a field's error; the target field also shows errors of fields the form has no input for (body, previousId)
  const errorOf = (f: string) => fieldErrors.find((x) => x.field === f) ?? (f === 'to' ? fieldErrors.find((x) => !['from', 'to', 'context'].includes(x.field)) : undefined);
  // a field's error goes once the user edits that field (the others stay until the next submit)
  useEffect(() => setFieldErrors((es) => es.filter((x) => x.field !== 'from')), [podQuery, node, sourceKind]);
  useEffect(() => setFieldErrors((es) => es.filter((x) => x.field === 'from' || x.field === 'context')), [target]);
  const [submitting, setSubmitting] = useState(false);
  const [recent, setRecent] = useState<RecentItem[]>([]);
  // "now" for the recent list's relative times: unknown in the server render and the first client render (both show
  // the UTC time, so hydration agrees), then set after mount and once a minute
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const recentRows = useMemo(() => groupRecent(recent, 8), [recent]);
  const podTerm = useDebounced(podQuery, 120);
  const targetTerm = useDebounced(target, 120);

  useEffect(() => {
    // warm the way to the result: the live socket is open before the click (the permalink page's code: below)
    getSocket();
  }, []);

  useEffect(() => {
    void getJson<{ contexts: Ctx[]; current: string | null }>('/api/contexts').then((r) => {
      if (!r.ok) return setClusterError(r.e);
      setContexts(r.v.contexts);
      setContext((c) => c || r.v.current || r.v.contexts[0]?.name || '');
    });
    void getJson<{ diagnoses: RecentItem[] }>('/api/diagnoses?limit=40').then((r) => {
      if (!r.ok) return;
      // the permalink page's code, warmed through a permalink that exists (an invented id answers 404, logged
      // as an error in the browser's console: tester finding)
      if (r.v.diagnoses[0]) router.prefetch(`/d/${r.v.diagnoses[0].id}`);
      setRecent(r.v.diagnoses);
      setNow(Date.now());
    });
  }, [router]);

  useEffect(() => {
    if (!context) return;
    setClusterError(null);
    void getJson<{ namespaces: string[]; podCounts?: Record<string, number>; error?: ApiError }>(`/api/namespaces?context=${encodeURIComponent(context)}`).then((r) => {
      if (!r.ok) return setClusterError(r.e);
      setNamespaces(r.v.namespaces);
      if (r.v.error) setClusterError(r.v.error);
      const ctxNs = contexts.find((c) => c.name === context)?.namespace;
      const last = remembered(`namespace:${context}`);
      setNamespace((cur) => (cur && r.v.namespaces.includes(cur) ? cur : last && r.v.namespaces.includes(last) ? last : ctxNs && ctxNs !== 'default' && r.v.namespaces.includes(ctxNs) ? ctxNs : firstNamespace(r.v.namespaces, r.v.podCounts ?? {})));
    });
  }, [context, contexts]);

  useEffect(() => {
    if (!context || sourceKind !== 'node') return;
    void getJson<{ nodes: NodeChoice[] }>(`/api/nodes?context=${encodeURIComponent(context)}`).then((r) => {
      if (!r.ok) return setClusterError(r.e);
      setNodes(r.v.nodes);
      setNode((cur) => (cur && r.v.nodes.some((n) => n.name === cur) ? cur : (r.v.nodes[0]?.name ?? '')));
    });
  }, [context, sourceKind]);

  useEffect(() => {
    if (!context || !namespace) return;
    const q = podTerm.includes('/') ? podTerm.split('/')[1] : podTerm;
    void getJson<{ pods: Pod[] }>(`/api/pods?context=${encodeURIComponent(context)}&namespace=${encodeURIComponent(namespace)}&q=${encodeURIComponent(q)}`).then((r) => r.ok && setPods(r.v.pods));
  }, [context, namespace, podTerm]);

  useEffect(() => {
    if (!context) return;
    void getJson<{ suggestions: Suggestion[] }>(`/api/targets?context=${encodeURIComponent(context)}&namespace=${encodeURIComponent(namespace)}&q=${encodeURIComponent(targetTerm)}`).then((r) => r.ok && setSuggestions(r.v.suggestions));
  }, [context, namespace, targetTerm]);

  const from = useMemo(
    () => (sourceKind === 'outside' ? 'outside' : sourceKind === 'node' ? (node ? `node/${node}` : '') : podQuery.includes('/') ? podQuery.trim() : namespace && podQuery.trim() ? `${namespace}/${podQuery.trim()}` : ''),
    [podQuery, namespace, sourceKind, node],
  );
  // From a node or from outside, the addresses that reach in (NodePorts, LoadBalancer IPs) come first.
  const shown = useMemo(() => (sourceKind === 'pod' ? suggestions : [...suggestions.filter((x) => x.kind === 'nodeport' || x.kind === 'loadbalancer'), ...suggestions.filter((x) => x.kind !== 'nodeport' && x.kind !== 'loadbalancer')]), [suggestions, sourceKind]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFieldErrors([]);
    setSubmitting(true);
    try {
      const r = await fetch('/api/diagnoses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to: target.trim(), ...(context ? { context } : {}) }) });
      const body = (await r.json().catch(() => ({}))) as { id?: string } & ApiError;
      if (r.status === 201 && body.id) {
        router.push(`/d/${body.id}`);
        return;
      }
      if (r.status === 400) setFieldErrors(body.errors?.length ? body.errors : [{ field: body.field ?? 'to', error: body.error }]);
      else setClusterError({ error: body.error ?? `HTTP ${r.status}`, fix: body.fix });
    } catch (err) {
      setClusterError({ error: `the packetwalk server did not answer (${(err as Error).message})` });
    }
    setSubmitting(false);
  };

  const fe = (f: string) => {
    const err = errorOf(f);
    return err ? (
      <p className="mt-1 text-sm font-medium text-red-600 dark:text-red-400" role="alert" data-testid={`error-${f}`}>
        {/* an empty source, said for the control on screen (the API's sentence lists every source form) */}
        {f === 'from' && /^from: choose the source/.test(err.error) ? (sourceKind === 'node' ? 'from: pick the node the connection starts on' : 'from: pick the source pod (type to search its name)') : err.error}
      </p>
    ) : null;
  };

  return (
    <div className="grid gap-8 lg:grid-cols-[minmax(0,38rem),1fr]">
      <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-5 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900" aria-label="New diagnosis">
        <div>
          <h1 className="text-2xl font-bold">Why can&apos;t this pod reach that?</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">packetwalk walks the packet&apos;s real path hop by hop with read-only probes and shows where it stops.</p>
        </div>
        {clusterError ? (
          <div role="alert" className="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100" data-testid="cluster-error">
            <p className="font-semibold">{clusterError.sentence ?? clusterError.error}</p>
            {clusterError.fix ? <p className="mt-1">{clusterError.fix}</p> : null}
          </div>
        ) : null}
        <label className="block">
          <span className="text-sm font-semibold">Context</span>
          <select className={field} value={context} onChange={(e) => setContext(e.target.value)} data-testid="context" aria-describedby="ctx-hint">
            {contexts.length === 0 ? <option value="">(no kubeconfig contexts)</option> : null}
            {contexts.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} — {c.server}
              </option>
            ))}
          </select>
          <span id="ctx-hint" className="text-xs text-slate-500">
            Every context of the kubeconfig; switching needs no restart.
          </span>
          {fe('context')}
        </label>
        <fieldset className="block">
          <legend className="text-sm font-semibold">Source</legend>
          <div className="mt-1 inline-flex rounded-lg border border-slate-300 p-0.5 dark:border-slate-600" role="radiogroup" aria-label="Source kind">
            {SOURCE_KINDS.map((k) => (
              <label key={k.kind} className={`cursor-pointer rounded-md px-3 py-1.5 text-sm ${sourceKind === k.kind ? 'bg-sky-600 font-semibold text-white' : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`}>
                <input type="radio" name="source-kind" value={k.kind} checked={sourceKind === k.kind} onChange={() => setSourceKind(k.kind)} className="sr-only" data-testid={`source-kind-${k.kind}`} />
                {k.label}
              </label>
            ))}
          </div>
          {sourceKind === 'node' ? (
            <label className="mt-3 block">
              <span className="text-sm font-semibold">Node</span>
              <select className={field} value={node} onChange={(e) => setNode(e.target.value)} data-testid="node" aria-invalid={!!errorOf('from')}>
                {nodes.length === 0 ? <option value="">(no nodes visible)</option> : null}
                {nodes.map((n) => (
                  <option key={n.name} value={n.name}>
                    {n.name} {n.ip ? `(${n.ip})` : ''}
                  </option>
                ))}
              </select>
              <span className="text-xs text-slate-500">The node&apos;s own network, as a hostNetwork pod sees it (probed through a node debug pod).</span>
            </label>
          ) : null}
          {sourceKind === 'outside' ? (
            <p className="mt-2 text-sm text-slate-600 dark:text-slate-400" data-testid="outside-note">
              A client outside the cluster: the machine packetwalk runs on (in the lab, its outside client). Pick a NodePort or a LoadBalancer address below.
            </p>
          ) : null}
          {sourceKind !== 'pod' ? fe('from') : null}
        </fieldset>
        {sourceKind === 'pod' ? (
        <div className="grid grid-cols-[minmax(0,12rem),1fr] gap-3">
          <label className="block">
            <span className="text-sm font-semibold">Namespace</span>
            <select className={field} value={namespace} onChange={(e) => { setNamespace(e.target.value); remember(`namespace:${context}`, e.target.value); }} data-testid="namespace">
              {namespaces.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label className="block">
            <span className="text-sm font-semibold">Source pod</span>
            <input className={field} list="pw-pods" value={podQuery} onChange={(e) => setPodQuery(e.target.value)} placeholder="type to search, e.g. frontend" autoComplete="off" data-testid="from" aria-invalid={!!errorOf('from')} />
            <datalist id="pw-pods">
              {pods.map((p) => (
                <option key={`${p.namespace}/${p.name}`} value={p.name}>
                  {`${p.ip || 'no IP'} on ${p.node || '?'} (${p.phase})`}
                </option>
              ))}
            </datalist>
            {fe('from')}
          </label>
        </div>
        ) : null}
        <label className="block">
          <span className="text-sm font-semibold">Target</span>
          <input className={`${field} font-mono`} list="pw-targets" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="e.g. backend.shop:80" autoComplete="off" data-testid="to" aria-invalid={!!errorOf('to')} />
          <datalist id="pw-targets">
            {shown.map((s) => (
              <option key={s.value} value={s.value}>
                {s.hint}
              </option>
            ))}
          </datalist>
          <span className="text-xs text-slate-500">What the application dials: NAME[:PORT] (resolved by the source&apos;s own resolver), pod:NS/NAME:PORT, node/NAME:PORT (a NodePort), or IP:PORT (e.g. a LoadBalancer address); add /udp after the port for UDP (time.example:123/udp).</span>
          {fe('to')}
        </label>
        <button type="submit" disabled={submitting} className="self-start rounded-lg bg-sky-600 px-6 py-2.5 text-base font-semibold text-white shadow hover:bg-sky-700 disabled:opacity-60" data-testid="diagnose">
          {submitting ? 'Planning…' : 'Diagnose'}
        </button>
      </form>
      <section aria-label="Recent diagnoses">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Recent diagnoses</h2>
        {recentRows.length === 0 ? (
          <p className="mt-2 text-sm text-slate-500">None yet. Each diagnosis gets a permalink you can paste into the incident channel.</p>
        ) : (
          <ul className="mt-2 divide-y divide-slate-200 dark:divide-slate-800">
            {recentRows.map((row) => {
              const r = row.latest;
              const when = rowTime(row, now);
              return (
                <li key={r.id} data-testid="recent-row" data-id={r.id} data-count={row.count} data-verdict={r.verdict}>
                  <a href={`/d/${r.id}`} className="flex items-center gap-3 py-2 hover:bg-slate-100 dark:hover:bg-slate-900">
                    <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${VERDICT_DOT[r.verdict] ?? 'bg-slate-400'}`} aria-hidden />
                    <span className="min-w-0 flex-1 truncate font-mono text-sm">
                      {r.from} → {r.to}
                    </span>
                    {row.count > 1 ? (
                      <span className="shrink-0 rounded-full bg-slate-200 px-1.5 text-xs font-semibold text-slate-700 dark:bg-slate-800 dark:text-slate-300" title={`${row.count} runs in a row with the same outcome; this links to the newest`} data-testid="recent-count">
                        ×{row.count}
                      </span>
                    ) : null}
                    <span className="shrink-0 text-xs text-slate-500">{r.cause ?? r.verdict}</span>
                    <time className="min-w-[4.5rem] shrink-0 whitespace-nowrap text-right text-xs tabular-nums text-slate-500" dateTime={r.createdAt} title={when.title} data-testid="recent-time">
                      {when.text}
                    </time>
                  </a>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
