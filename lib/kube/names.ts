// Kubernetes name, label and port-name checks as apimachinery does them, with the API server's own messages
// (each function returns the list of problems, empty when valid). Pure: shared by the lab API's object
// validation (lab/api/validation.ts), the lab file (lab/spec.ts), the CLI/HTTP target parser (lib/target.ts)
// and the matrix's inputs, so one definition decides what a valid name is everywhere.
//
// Facts and wording from Kubernetes (read, not copied):
//  - kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go
//    (IsDNS1123Label/Subdomain, IsDNS1035Label, IsValidPortName, IsValidPortNum, RegexError, MaxLenError)
//  - …/apimachinery/pkg/api/validate/content/kube.go (IsLabelKey "name part …/prefix part …", IsLabelValue)

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const re = (f: string) => new RegExp(`^${f}$`);
const DNS1123_LABEL = re(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN = re(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL = re(DNS1035_LABEL_FMT);
const LABEL_KEY = re(LABEL_KEY_FMT);
const LABEL_VALUE = re(LABEL_VALUE_FMT);

const maxLen = (n: number) => `must be no more than ${n} characters`;
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (!examples.length) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}
/** Byte length as Go's len() counts it (UTF-8). */
const utf8 = new TextEncoder();
export const blen = (s: string): number => utf8.encode(s).length;

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > 63) errs.push(maxLen(63));
  if (!DNS1123_LABEL.test(v)) {
    if (DNS1123_SUBDOMAIN.test(v)) errs.push('must not contain dots');
    else errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > 253) errs.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN.test(v)) errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > 63) errs.push(maxLen(63));
  if (!DNS1035_LABEL.test(v)) errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** A qualified name (label key, annotation key): optional DNS-subdomain prefix and '/', name part at most 63. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [`a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (blen(name) > 63) errs.push(`name part ${maxLen(63)}`);
  if (!LABEL_KEY.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function isLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > 63) errs.push(maxLen(63));
  if (!LABEL_VALUE.test(v))
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** IANA_SVC_NAME (RFC 6335), lower case only, as IsValidPortName. */
export function isValidPortName(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > 15) errs.push(maxLen(15));
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.length > 0 && (v.startsWith('-') || v.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

export const isValidPortNum = (n: number): string[] => (Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : ['must be between 1 and 65535, inclusive']);

/** Annotations may hold at most this many bytes of keys + values (TotalAnnotationSizeLimitB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

/** True when `v` is a valid namespace / Service / container name (RFC 1123 label, at most 63). */
export const isLabelName = (v: string): boolean => isDNS1123Label(v).length === 0;
/** True when `v` is a valid pod / node / NetworkPolicy name (RFC 1123 subdomain, at most 253). */
export const isSubdomainName = (v: string): boolean => isDNS1123Subdomain(v).length === 0;
