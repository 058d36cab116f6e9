// The smallest OpenAPI v3 the lab needs: kubectl apply asks /openapi/v3 whether PATCH of a kind takes the
// `fieldValidation` query parameter (cli-runtime queryParamVerifierV3) and, if the document is missing,
// refuses to apply without --validate=false. Schemas are absent on purpose: kubectl then computes its
// strategic merge patches from its built-in types, as it does for any built-in kind.
import { RESOURCES, apiVersionOf } from './resources';

const HASH = 'packetwalk-lab-1';

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

export function openapiIndex() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of RESOURCES) {
    const p = gvPath(r.group, r.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${HASH}` };
  }
  return { paths };
}

const param = (name: string, where: 'query' | 'path') => ({ name, in: where, ...(where === 'path' ? { required: true } : {}), schema: { type: 'string', uniqueItems: true } });

/** The document of one group version (`api/v1`, `apis/networking.k8s.io/v1`), or null. */
export function openapiGroupVersion(path: string) {
  const rs = RESOURCES.filter((r) => gvPath(r.group, r.version) === path);
  if (rs.length === 0) return null;
  const paths: Record<string, unknown> = {};
  for (const r of rs) {
    const base = `/${path}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const op = (verb: string, action: string, extra: object[] = []) => ({
      description: `${verb} the specified ${r.kind}`,
      operationId: `${verb}${r.kind}`,
      parameters: [param('dryRun', 'query'), param('fieldManager', 'query'), ...extra],
      responses: { '200': { description: 'OK' }, '401': { description: 'Unauthorized' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[base] = {
      parameters: [param('name', 'path'), ...(r.namespaced ? [param('namespace', 'path')] : [])],
      get: { ...op('read', 'get'), parameters: [] },
      ...(r.verbs.includes('patch') ? { patch: op('patch', 'patch', [param('fieldValidation', 'query'), param('force', 'query')]) } : {}),
      ...(r.verbs.includes('update') ? { put: op('replace', 'put', [param('fieldValidation', 'query')]) } : {}),
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} }, 'x-packetwalk': rs.map(apiVersionOf) };
}
