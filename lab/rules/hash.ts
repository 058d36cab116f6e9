// kube-proxy's chain-name hashing: SHA-256, RFC 4648 base32 (A-Z2-7), truncated. The truncation keeps
// iptables chain names inside the 28-character limit (pkg/proxy/iptables/proxier.go portProtoHash,
// pkg/proxy/nftables/proxier.go hashAndTruncate). Hashing is pure computation, not I/O.
import { createHash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** First `n` base32 characters of SHA-256(text). */
export function hash32(text: string, n: number): string {
  return base32(createHash('sha256').update(text, 'utf8').digest()).slice(0, n);
}
