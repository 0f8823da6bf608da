import { createHmac } from 'node:crypto';
import { normaliseEmail } from '../mirror/identity.js';

/**
 * Subject key = HMAC-SHA256(PSEUDONYM_KEY, normalised email): the only identifier that survives erasure (P14b).
 * Keyed, never a plain hash — emails are guessable, so a plain hash would be personal data in disguise.
 */
export type SubjectKeyOf = (email: string) => Buffer;

export function subjectKeyer(pseudonymKey: string): SubjectKeyOf {
  return (email) => createHmac('sha256', pseudonymKey).update(normaliseEmail(email), 'utf8').digest();
}
