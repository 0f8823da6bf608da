import type { InviteInput, ReviewsProvider } from './reviews.types.js';

/**
 * Pure request-body builders for the review providers (no I/O). Every builder picks fields one by one from its
 * input, so an input object that carries more (a spread billing address, order lines) cannot leak: P7 allows name,
 * email and an order reference only.
 */

/** Per provider and request: the exact JSON field paths the body can carry. */
export const REVIEWS_REQUEST_FIELDS = {
  own: {
    'POST /invitations': ['name', 'email', 'orderRef'],
    'POST /erasures': ['email'],
  },
  kiyoh: {
    // location_id, delay and language are the shop's configuration; ref_code is the order reference.
    'POST /v1/invite/external': ['location_id', 'invite_email', 'delay', 'language', 'first_name', 'last_name', 'ref_code'],
  },
} as const;

/** Per provider: every JSON field path any of its requests can carry — what the processor register lists (P2, P7). */
export const REVIEWS_FIELDS: Record<ReviewsProvider, readonly string[]> = {
  own: ['name', 'email', 'orderRef'],
  kiyoh: REVIEWS_REQUEST_FIELDS.kiyoh['POST /v1/invite/external'],
};

/** Whitespace collapsed and trimmed (names typed at checkout often carry double or trailing spaces). */
const tidy = (s: string | null | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();

/** First and last name joined with one space; either may be empty. */
export function fullName(firstName: string, lastName: string): string {
  return tidy(`${tidy(firstName)} ${tidy(lastName)}`);
}

/** Loose on purpose: the provider validates properly; we only refuse what can never be delivered. */
const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+$/;

export type InviteProblem = 'invalid_email' | 'missing_order_ref' | 'missing_name';

/** Why an invitation cannot be sent at all (no request is made then), or null. `needsName`: the own site requires one. */
export function inviteProblem(i: InviteInput, needsName: boolean): InviteProblem | null {
  if (!LOOKS_LIKE_EMAIL.test(tidy(i.email))) return 'invalid_email';
  if (!tidy(i.orderRef)) return 'missing_order_ref';
  if (needsName && !fullName(i.firstName, i.lastName)) return 'missing_name';
  return null;
}

export const emailProblem = (email: string): InviteProblem | null => (LOOKS_LIKE_EMAIL.test(tidy(email)) ? null : 'invalid_email');

// ---- own review site --------------------------------------------------------------------------------------------

export interface OwnInviteBody { name: string; email: string; orderRef: string }

export function ownInvitePayload(i: InviteInput): OwnInviteBody {
  return { name: fullName(i.firstName, i.lastName), email: tidy(i.email), orderRef: tidy(i.orderRef) };
}

export function ownErasurePayload(email: string): { email: string } {
  return { email: tidy(email) };
}

/**
 * The own site's error body `{"error": "<code>", "fields"?: ["email", …]}` reduced to what is safe to log: the code
 * only when it is a snake_case identifier, and only field names we ourselves send (never values).
 */
export function ownError(body: unknown): { code: string | null; fields: string[] } {
  const b = (body ?? {}) as { error?: unknown; fields?: unknown };
  const code = typeof b.error === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(b.error) ? b.error : null;
  const fields = Array.isArray(b.fields) ? b.fields.filter((f): f is string => REVIEWS_FIELDS.own.includes(f as string)) : [];
  return { code, fields };
}

// ---- Kiyoh --------------------------------------------------------------------------------------------------------

export interface KiyohInviteBody {
  location_id: string;
  invite_email: string;
  delay: number;
  language: string;
  first_name?: string;
  last_name?: string;
  ref_code: string;
}

/**
 * Kiyoh's invite body (processors-facts §3.1). `delay` is always 0: our own job waits REVIEW_INVITE_DELAY_DAYS, so an
 * order cancelled or refunded meanwhile is never invited — Kiyoh's delay could not be called back. Empty names are
 * left out (Kiyoh treats them as optional), as the official plugin does.
 */
export function kiyohInvitePayload(i: InviteInput, cfg: { locationId: string; language: string }): KiyohInviteBody {
  const body: KiyohInviteBody = {
    location_id: String(cfg.locationId),
    invite_email: tidy(i.email),
    delay: 0,
    language: cfg.language,
    ref_code: tidy(i.orderRef),
  };
  const first = tidy(i.firstName);
  const last = tidy(i.lastName);
  if (first) body.first_name = first;
  if (last) body.last_name = last;
  return body;
}

/** Kiyoh's answer when the same invitation was placed before: the call is idempotent, so this counts as success. */
export const KIYOH_ALREADY_PLACED = 'INVITATION_ALREADY_PLACED';
/** Kiyoh's code for a token (hash) it does not accept. */
export const KIYOH_INVALID_HASH = 'INVALID_HASH';

/**
 * The code from a Kiyoh error body `{"httpCode","errorCode","id","detailedError":[{"errorCode","message"}]}`:
 * detailedError[0].errorCode first (the specific one, as the official plugin reads it), else the top errorCode.
 * Only UPPER_SNAKE identifiers are kept; Kiyoh's `message` is never used (it may echo the address).
 */
export function kiyohErrorCode(body: unknown): string | null {
  const b = (body ?? {}) as { errorCode?: unknown; detailedError?: unknown };
  const first = Array.isArray(b.detailedError) ? (b.detailedError[0] as { errorCode?: unknown } | undefined) : undefined;
  for (const c of [first?.errorCode, b.errorCode]) if (typeof c === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(c)) return c;
  return null;
}

export const kiyohOk = (body: unknown): boolean => (body as { code?: unknown } | null)?.code === 'OK';
