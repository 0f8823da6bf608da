/**
 * The one interface the review-invitation push job talks to, whichever review provider the shop uses (P7, P10).
 * Pure types; the adapters are own-site.client.ts and kiyoh.client.ts, the factory is reviews.client.ts.
 */

/** REVIEWS_PROVIDER: `own` = the shop's own review site, `kiyoh` = Kiyoh / Klantenvertellen. */
export type ReviewsProvider = 'own' | 'kiyoh';

/**
 * What an invitation needs, and nothing more (P7: name and email, plus an opaque order reference).
 *
 * First and last name arrive separately because WooCommerce stores them separately (billing.firstName/lastName) and
 * Kiyoh wants them separately: splitting one joined name again is lossy ("Jan van der Berg" → "Jan" + "van der Berg"?
 * or "Jan van der" + "Berg"?). The own-site adapter joins them into the single `name` its contract has.
 *
 * `orderRef` must be stable for an order (e.g. the WooCommerce order number): it is what the providers de-duplicate
 * on, so a re-send after an ambiguous failure does not invite twice. It must not be personal data.
 */
export interface InviteInput {
  firstName: string;
  lastName: string;
  email: string;
  orderRef: string;
}

/** `manual_required`: the provider has no erasure API (Kiyoh); the operator must erase in its dashboard (Art. 19). */
export type EraseOutcome = 'erased' | 'manual_required';

export interface ReviewsClient {
  readonly provider: ReviewsProvider;
  /** Whether erase() really erases at the provider (processor register `canErase`). */
  readonly canErase: boolean;
  /** The exact JSON field paths this client's requests can carry (REVIEWS_FIELDS[provider]). */
  readonly fields: readonly string[];
  /**
   * Places one invitation. Resolves with the provider's id when it gives one (own site), else `{ id: null }` (Kiyoh
   * answers only `{"code":"OK"}`). A duplicate that the provider reports as "already placed" resolves too.
   * Rejects with ProcessorError (kinds: rate_limited, retryable, ambiguous, permanent, auth).
   */
  invite(i: InviteInput): Promise<{ id: string | null }>;
  /** Asks the provider to erase everything it holds for this email (Art. 17 / Art. 19 fan-out). */
  erase(email: string): Promise<EraseOutcome>;
}
