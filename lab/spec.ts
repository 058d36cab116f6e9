// The lab file (DESIGN §3): a `kind: Lab` document, then ordinary Kubernetes manifests. Everything is
// validated before anything is built: an error names the document (1-based, as an editor counts), the
// field, and the fix, so `lab up` can exit 2 with nothing half-built. The checks are zod schemas, one module
// per concern under lab/schema/ (cluster, manners, outside, objects, file); this module reads the YAML, runs
// them in document order and turns the first issue into a LabFileError.
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import type { KubeObject, LabCluster, LabFault, LabOutsideSpec } from './types';
import { MAX_YAML_ALIASES } from './specSafety';
import { acrossDocuments, faultTargets, LabDocSchema } from './schema/file';
import { asWritten, describeDocument, manifestSchema } from './schema/objects';
import { fieldOf, firstProblem } from './schema/problems';

export { UNDERLAY_CIDR } from './outside';
export { faultTargets };

export interface LabSpec {
  cluster: LabCluster;
  faults: LabFault[];
  /** Namespace, Pod, Service and NetworkPolicy manifests as written (validated), in file order. */
  manifests: KubeObject[];
  /** Additive: the validated `outside:` section (DESIGN §3.2; lab/outside.ts); absent = no hosts, default pool. */
  outside?: LabOutsideSpec;
}

export class LabFileError extends Error {
  constructor(
    readonly source: string,
    readonly doc: number, // 1-based document number; 0 = the file as a whole
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
    readonly what = '',
  ) {
    super(`${source}${doc ? `, document ${doc}${what ? ` (${what})` : ''}` : ''}${field ? `, field ${field}` : ''}: ${problem}${fix ? `; fix: ${fix}` : ''}`);
  }
}

/**
 * Reads a lab file (`source` names it in messages) → the validated LabSpec; throws LabFileError naming the
 * document, the field and the fix of the first problem (YAML syntax, a field, or a check across documents).
 */
export function parseLabFile(text: string, source = 'lab file'): LabSpec {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const values: unknown[] = [];
  list.forEach((d, i) => {
    if (d.errors.length) {
      const e = d.errors[0];
      throw new LabFileError(source, i + 1, '', `malformed YAML: ${e.message.split('\n')[0]}`, 'correct the YAML syntax at that line');
    }
    try {
      values.push(d.toJS({ maxAliasCount: MAX_YAML_ALIASES }));
    } catch (e) {
      throw new LabFileError(source, i + 1, '', `YAML aliases expand too far (${(e as Error).message.split('\n')[0]})`, `write the values out or use fewer aliases (at most ${MAX_YAML_ALIASES} per document)`);
    }
  });
  // Empty documents (a trailing `---`) are skipped, but keep their numbers for messages.
  const numbered = values.map((v, i) => ({ v, n: i + 1 })).filter((x) => x.v !== null && x.v !== undefined);
  if (!numbered.length) throw new LabFileError(source, 0, '', 'the file has no documents', 'start it with a `kind: Lab` document (see lab/default.yaml)');
  const first = numbered[0];
  const at = first.n - 1; // docs[i] is document i+1
  /** `schema` on `value`, or the LabFileError of its first issue (paths start with the document's index). */
  const check = <T>(schema: z.ZodType<T>, value: unknown, prefix: PropertyKey[]): T => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const p = firstProblem(r.error, prefix);
    const i = p.path[0] as number;
    throw new LabFileError(source, i + 1, fieldOf(p.path.slice(1)), p.problem, p.fix, i === at ? '' : describeDocument(values[i]));
  };

  const lab = check(LabDocSchema, first.v, [at]);
  const manifest = manifestSchema(lab.cluster);
  // each document checked, then kept as written (its keys in the file's order)
  const objects = values.map((v, i) => (i <= at || v === null || v === undefined ? null : (check(manifest, v, [i]), asWritten(v))));
  check(acrossDocuments(lab, at), objects, []);
  return { cluster: lab.cluster, faults: lab.faults, manifests: objects.filter((o): o is KubeObject => o !== null), outside: lab.outside };
}
