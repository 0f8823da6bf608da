import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/** WooCommerce signs the exact body bytes: base64(HMAC-SHA256(secret, body)). Compared in constant time. */
export function sign(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

const BLOCK = 64; // SHA-256's block size

/** The secret prepared once for HMAC-SHA256 (RFC 2104): the key padded to a block and XORed with ipad and opad. */
export interface SigningKey {
  readonly inner: Buffer;
  readonly outer: Buffer;
}

export function signingKey(secret: string): SigningKey {
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = hash('sha256', key, 'buffer');
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }
  return { inner, outer };
}

/*
 * HMAC-SHA256 from two one-shot hashes. createHmac() builds a JS object and has OpenSSL look the digest up on every
 * call; on the webhook path that construction cost more than hashing the body itself (intake CPU profile). The
 * result is the same bytes as createHmac (a property test compares them on random keys and bodies).
 */
export function hmacSha256(key: SigningKey, body: Buffer): Buffer {
  const innerDigest = hash('sha256', Buffer.concat([key.inner, body]), 'buffer');
  return hash('sha256', Buffer.concat([key.outer, innerDigest]), 'buffer');
}

/** Exactly one standard base64 SHA-256 (44 characters): Node's decoder would stop at the padding and ignore the rest. */
const SIGNATURE_SHAPE = /^[A-Za-z0-9+/]{43}=$/;

export function isValidSignature(body: Buffer, header: string | undefined, secret: string | SigningKey): boolean {
  const value = header?.trim();
  // Two signature headers arrive joined ("<valid>, AAAA"): not one signature, so no match.
  if (!value || !SIGNATURE_SHAPE.test(value)) return false;
  const expected = hmacSha256(typeof secret === 'string' ? signingKey(secret) : secret, body);
  const given = Buffer.from(value, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
