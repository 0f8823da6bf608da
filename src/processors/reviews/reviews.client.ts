/**
 * The review-site client the push job uses, chosen by REVIEWS_PROVIDER (`own` | `kiyoh`).
 *
 * Env (the lead maps them onto ReviewsConfig):
 *   REVIEWS_PROVIDER=own    → REVIEWS_API_URL, REVIEWS_API_KEY
 *   REVIEWS_PROVIDER=kiyoh  → KIYOH_API_TOKEN, KIYOH_LOCATION_ID, optional KIYOH_BASE_URL (default
 *                             https://www.kiyoh.com), optional KIYOH_LANGUAGE (default nl)
 * Missing credentials → the lead skips the processor with one log line; this factory assumes a complete config.
 */
import { createKiyohClient, type KiyohConfig } from './kiyoh.client.js';
import { createOwnReviewsClient, type OwnReviewsConfig } from './own-site.client.js';
import type { ReviewsClient } from './reviews.types.js';

export type { KiyohConfig } from './kiyoh.client.js';
export type { OwnReviewsConfig } from './own-site.client.js';
export type { EraseOutcome, InviteInput, ReviewsClient, ReviewsProvider } from './reviews.types.js';
export { REVIEWS_FIELDS, REVIEWS_REQUEST_FIELDS } from './reviews.payload.js';

export type ReviewsConfig = OwnReviewsConfig | KiyohConfig;

export function createReviewsClient(cfg: ReviewsConfig): ReviewsClient {
  switch (cfg.provider) {
    case 'own':
      return createOwnReviewsClient(cfg);
    case 'kiyoh':
      return createKiyohClient(cfg);
    default: {
      const unknown: never = cfg;
      throw new Error(`unknown REVIEWS_PROVIDER: ${String((unknown as { provider?: unknown }).provider)}`);
    }
  }
}
