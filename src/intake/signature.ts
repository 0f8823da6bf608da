import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/** WooCommerce signs the exact body bytes: base64(HMAC-SHA256(secret, body)). Compared in constant time. */
export function sign(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** The secret as a key object, made once: HMAC then skips converting the string on every delivery. */
export const signingKey = (secret: string): KeyObject => createSecretKey(Buffer.from(secret, 'utf8'));

/** Exactly one standard base64 SHA-256 (44 characters): Node's decoder would stop at the padding and ignore the rest. */
const SIGNATURE_SHAPE = /^[A-Za-z0-9+/]{43}=$/;

export function isValidSignature(body: Buffer, header: string | undefined, secret: string | KeyObject): boolean {
  const value = header?.trim();
  // Two signature headers arrive joined ("<valid>, AAAA"): not one signature, so no match.
  if (!value || !SIGNATURE_SHAPE.test(value)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(value, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

