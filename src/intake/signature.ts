import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/** WooCommerce signs the exact body bytes: base64(HMAC-SHA256(secret, body)). Compared in constant time. */
export function sign(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** The secret as a key object, made once: HMAC then skips converting the string on every delivery. */
export const signingKey = (secret: string): KeyObject => createSecretKey(Buffer.from(secret, 'utf8'));

export function isValidSignature(body: Buffer, header: string | undefined, secret: string | KeyObject): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(header.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

