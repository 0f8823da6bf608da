/** Who is the same person: emails, normalised, are the identity; placeholders identify no one. */

/** What WooCommerce (and WordPress) write when they anonymise an email. */
const PLACEHOLDERS = new Set(['deleted@site.invalid']);
const SHAPE = /^[^\s@]+@[^\s@]+$/;

export function normaliseEmail(raw: string | null | undefined): string {
  return (raw ?? '').trim().toLowerCase();
}

/** An email identifies someone only if it looks like an address and is not an anonymisation placeholder. */
export function identifyingEmail(raw: string | null | undefined): string | null {
  const email = normaliseEmail(raw);
  if (!email || !SHAPE.test(email) || PLACEHOLDERS.has(email) || email.endsWith('.invalid')) return null;
  return email;
}

/** The distinct identifying emails among the given ones, in order. */
export function identifyingEmails(raws: (string | null | undefined)[]): string[] {
  return [...new Set(raws.map(identifyingEmail).filter((e): e is string => e !== null))];
}

/** The advisory lock names (see lockNames) of what a delivery or request is about: two processes take turns on them. */
export const identityLocks = (orderIds: number[], customerIds: number[], emails: string[]): string[] => [
  ...orderIds.map((id) => `order:${id}`), ...customerIds.map((id) => `customer:${id}`), ...emails.map((e) => `email:${e}`),
];
