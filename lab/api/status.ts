// Kubernetes Status objects (metav1.Status) as a real API server words them, and the error type the
// router throws so every failure reaches the client as a Status, never a stack trace.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusBody['details'],
  ) {
    super(message);
  }

  toStatus(): StatusBody {
    return failure(this.code, this.reason, this.message, this.details);
  }
}

export function failure(code: number, reason: string, message: string, details?: StatusBody['details']): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export const successStatus = (details?: StatusBody['details']): StatusBody => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Success',
  ...(details ? { details } : {}),
  code: 200,
});

/** `resource` is the plural (pods), `group` '' for the core group. */
export const notFound = (resource: string, name: string, group = '') =>
  new ApiError(404, 'NotFound', `${group ? `${resource}.${group}` : resource} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });

export const alreadyExists = (resource: string, name: string, group = '') =>
  new ApiError(409, 'AlreadyExists', `${group ? `${resource}.${group}` : resource} "${name}" already exists`, { name, ...(group ? { group } : {}), kind: resource });

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');

/** Worded as the RBAC authorizer words it, e.g. `pods "x" is forbidden: User "viewer" cannot create resource "pods/exec" in API group "" in the namespace "shop"`. */
export function forbidden(a: { user: string; verb: string; resource: string; subresource?: string; group: string; namespace?: string; name?: string }): ApiError {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = a.name ? `${a.group ? `${a.resource}.${a.group}` : a.resource} "${a.name}"` : a.group ? `${a.resource}.${a.group}` : a.resource;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return new ApiError(403, 'Forbidden', `${what} is forbidden: User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}"${scope}`, {
    ...(a.name ? { name: a.name } : {}),
    ...(a.group ? { group: a.group } : {}),
    kind: a.resource,
  });
}

export const methodNotAllowed = (message: string) => new ApiError(405, 'MethodNotAllowed', message);

export const invalid = (kind: string, name: string, field: string, message: string, group = '') =>
  new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });

export const unsupportedMediaType = (type: string) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${JSON.stringify(type)})`);
