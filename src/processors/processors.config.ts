import { z } from 'zod';
import type { SnelstartConfig } from './snelstart/snelstart.client.js';
import type { SnelstartLedgers } from './snelstart/booking.payload.js';
import type { PostnlClientConfig } from './postnl/postnl.client.js';
import type { PostnlShipmentConfig } from './postnl/postnl.payload.js';
import type { ReviewsConfig } from './reviews/reviews.client.js';

/**
 * The processors' environment (README lists each variable and what data each processor receives). A processor
 * without credentials is switched off — one log line at start-up, no sync records, no errors per order.
 */

const url = z.url({ protocol: /^https?$/ });
const flag = z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1');
const list = (d: string) => z.string().default(d).transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const schema = z.object({
  PROCESSORS_START_AT: z.iso.datetime({ offset: true }).optional(),
  POSTNL_SKIP_METHODS: list('local_pickup,pickup_location'),
  REVIEW_INVITE_DELAY_DAYS: z.coerce.number().min(0).max(365).default(7),
  REVIEW_CONSENT_META_KEY: z.string().min(1).max(255).default('_review_consent'),
  LABEL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  PROCESSOR_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(15_000),

  SNELSTART_API_URL: url.default('https://b2bapi.snelstart.nl'),
  SNELSTART_AUTH_URL: url.default('https://auth.snelstart.nl/b2b/token'),
  SNELSTART_CLIENT_KEY: z.string().min(1).optional(),
  SNELSTART_SUBSCRIPTION_KEY: z.string().min(1).optional(),
  SNELSTART_RELATION_MODE: z.enum(['collective', 'per-person']).default('collective'),
  SNELSTART_RELATION_ID: z.string().min(1).optional(),
  SNELSTART_RELATION_CODE_OFFSET: z.coerce.number().int().min(0).max(2_000_000_000).default(0),
  SNELSTART_LEDGER_HIGH: z.string().min(1).optional(),
  SNELSTART_LEDGER_LOW: z.string().min(1).optional(),
  SNELSTART_LEDGER_ZERO: z.string().min(1).optional(),
  SNELSTART_LEDGER_OTHER: z.string().min(1).optional(),
  SNELSTART_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(6000).default(60),

  POSTNL_API_URL: url.default('https://api.postnl.nl'),
  POSTNL_API_KEY: z.string().min(1).optional(),
  POSTNL_CUSTOMER_CODE: z.string().min(1).optional(),
  POSTNL_CUSTOMER_NUMBER: z.string().min(1).optional(),
  POSTNL_SENDER_NAME: z.string().default(''),
  POSTNL_SENDER_STREET: z.string().default(''),
  POSTNL_SENDER_HOUSE_NR: z.string().default(''),
  POSTNL_SENDER_HOUSE_NR_EXT: z.string().optional(),
  POSTNL_SENDER_POSTCODE: z.string().default(''),
  POSTNL_SENDER_CITY: z.string().default(''),
  POSTNL_SENDER_COUNTRY: z.string().length(2).default('NL'),
  POSTNL_PRODUCT_CODE: z.string().regex(/^\d{4,5}$/).default('3085'),
  POSTNL_DEFAULT_WEIGHT_GRAMS: z.coerce.number().int().min(1).max(31_500).default(1000),
  POSTNL_TRACK_TRACE_MAIL: flag,
  POSTNL_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(6000).default(60),

  REVIEWS_PROVIDER: z.enum(['own', 'kiyoh']).default('own'),
  REVIEWS_API_URL: url.optional(),
  REVIEWS_API_KEY: z.string().min(1).optional(),
  KIYOH_BASE_URL: url.optional(),
  KIYOH_API_TOKEN: z.string().min(1).optional(),
  KIYOH_LOCATION_ID: z.string().min(1).optional(),
  KIYOH_LANGUAGE: z.string().min(2).max(5).default('nl'),
  REVIEWS_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(6000).default(60),
});

export interface ProcessorsConfig {
  /** Recorded at first start when not set: only later transitions trigger pushes. */
  startAt: Date | null;
  skipMethods: string[];
  reviewDelayMs: number;
  consentMetaKey: string;
  labelRetentionDays: number;
  snelstart: {
    client: SnelstartConfig; ledgers: SnelstartLedgers; relationMode: 'collective' | 'per-person'; relationId: string | null;
    /** relatiecode = offset + person number, so our codes stay clear of relations the administration already has. */
    relationCodeOffset: number; perMinute: number;
  } | null;
  postnl: { client: PostnlClientConfig; shipment: PostnlShipmentConfig; perMinute: number } | null;
  reviews: { client: ReviewsConfig; perMinute: number } | null;
  reviewsProvider: 'own' | 'kiyoh';
}

export function parseProcessorsEnv(env: Record<string, string | undefined>): { config: ProcessorsConfig; problems: string[] } {
  const r = schema.safeParse(env);
  if (!r.success) return { config: null as never, problems: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const e = r.data;
  const timeoutMs = e.PROCESSOR_TIMEOUT_MS;
  const problems: string[] = [];
  // Some of a processor's credentials but not all is a typo or a half-finished set-up, not "this processor is off".
  const together = (processor: string, names: (keyof typeof e)[]) => {
    const missing = names.filter((n) => !e[n]);
    if (missing.length && missing.length < names.length) {
      problems.push(`${missing.join(', ')} must be set with ${names.filter((n) => e[n]).join(', ')} (or none of them, to skip ${processor})`);
    }
  };
  together('Snelstart', ['SNELSTART_CLIENT_KEY', 'SNELSTART_SUBSCRIPTION_KEY']);
  together('PostNL', ['POSTNL_API_KEY', 'POSTNL_CUSTOMER_CODE', 'POSTNL_CUSTOMER_NUMBER']);
  if (e.REVIEWS_PROVIDER === 'kiyoh') together('the review site', ['KIYOH_API_TOKEN', 'KIYOH_LOCATION_ID']);
  else together('the review site', ['REVIEWS_API_URL', 'REVIEWS_API_KEY']);
  const snelstartKeys = e.SNELSTART_CLIENT_KEY && e.SNELSTART_SUBSCRIPTION_KEY;
  if (snelstartKeys && !(e.SNELSTART_LEDGER_HIGH && e.SNELSTART_LEDGER_LOW && e.SNELSTART_LEDGER_ZERO)) {
    problems.push('SNELSTART_LEDGER_HIGH, SNELSTART_LEDGER_LOW and SNELSTART_LEDGER_ZERO are required with the Snelstart keys');
  }
  if (snelstartKeys && e.SNELSTART_RELATION_MODE === 'collective' && !e.SNELSTART_RELATION_ID) {
    problems.push('SNELSTART_RELATION_ID (the collective consumer relation) is required when SNELSTART_RELATION_MODE=collective');
  }
  const postnlKeys = e.POSTNL_API_KEY && e.POSTNL_CUSTOMER_CODE && e.POSTNL_CUSTOMER_NUMBER;
  if (postnlKeys && !(e.POSTNL_SENDER_NAME && e.POSTNL_SENDER_STREET && e.POSTNL_SENDER_HOUSE_NR && e.POSTNL_SENDER_POSTCODE && e.POSTNL_SENDER_CITY)) {
    problems.push('POSTNL_SENDER_NAME, _STREET, _HOUSE_NR, _POSTCODE and _CITY are required with the PostNL keys');
  }
  const reviews: ProcessorsConfig['reviews'] =
    e.REVIEWS_PROVIDER === 'kiyoh'
      ? e.KIYOH_API_TOKEN && e.KIYOH_LOCATION_ID
        ? { client: { provider: 'kiyoh', baseUrl: e.KIYOH_BASE_URL, apiToken: e.KIYOH_API_TOKEN, locationId: e.KIYOH_LOCATION_ID, language: e.KIYOH_LANGUAGE, timeoutMs }, perMinute: e.REVIEWS_RATE_PER_MINUTE }
        : null
      : e.REVIEWS_API_URL && e.REVIEWS_API_KEY
        ? { client: { provider: 'own', apiUrl: e.REVIEWS_API_URL, apiKey: e.REVIEWS_API_KEY, timeoutMs }, perMinute: e.REVIEWS_RATE_PER_MINUTE }
        : null;
  return {
    problems,
    config: {
      startAt: e.PROCESSORS_START_AT ? new Date(e.PROCESSORS_START_AT) : null,
      skipMethods: e.POSTNL_SKIP_METHODS,
      reviewDelayMs: e.REVIEW_INVITE_DELAY_DAYS * 86_400_000,
      consentMetaKey: e.REVIEW_CONSENT_META_KEY,
      labelRetentionDays: e.LABEL_RETENTION_DAYS,
      snelstart: snelstartKeys
        ? {
          client: { apiUrl: e.SNELSTART_API_URL, authUrl: e.SNELSTART_AUTH_URL, clientKey: e.SNELSTART_CLIENT_KEY!, subscriptionKey: e.SNELSTART_SUBSCRIPTION_KEY!, timeoutMs },
          ledgers: { high: e.SNELSTART_LEDGER_HIGH ?? '', low: e.SNELSTART_LEDGER_LOW ?? '', zero: e.SNELSTART_LEDGER_ZERO ?? '', other: e.SNELSTART_LEDGER_OTHER },
          relationMode: e.SNELSTART_RELATION_MODE, relationId: e.SNELSTART_RELATION_ID ?? null,
          relationCodeOffset: e.SNELSTART_RELATION_CODE_OFFSET, perMinute: e.SNELSTART_RATE_PER_MINUTE,
        }
        : null,
      postnl: postnlKeys
        ? {
          client: { apiUrl: e.POSTNL_API_URL, apiKey: e.POSTNL_API_KEY!, customerCode: e.POSTNL_CUSTOMER_CODE!, customerNumber: e.POSTNL_CUSTOMER_NUMBER!, timeoutMs },
          shipment: {
            customerCode: e.POSTNL_CUSTOMER_CODE!, customerNumber: e.POSTNL_CUSTOMER_NUMBER!, productCodeDelivery: e.POSTNL_PRODUCT_CODE,
            defaultWeightGrams: e.POSTNL_DEFAULT_WEIGHT_GRAMS, trackTraceMail: e.POSTNL_TRACK_TRACE_MAIL,
            sender: {
              companyName: e.POSTNL_SENDER_NAME, street: e.POSTNL_SENDER_STREET, houseNr: e.POSTNL_SENDER_HOUSE_NR,
              houseNrExt: e.POSTNL_SENDER_HOUSE_NR_EXT, zipcode: e.POSTNL_SENDER_POSTCODE, city: e.POSTNL_SENDER_CITY, countrycode: e.POSTNL_SENDER_COUNTRY,
            },
          },
          perMinute: e.POSTNL_RATE_PER_MINUTE,
        }
        : null,
      reviews,
      reviewsProvider: e.REVIEWS_PROVIDER,
    },
  };
}

/** No processor configured: what tests and webhooks-only installs start with. */
export const NO_PROCESSORS: ProcessorsConfig = {
  startAt: null, skipMethods: ['local_pickup', 'pickup_location'], reviewDelayMs: 7 * 86_400_000, consentMetaKey: '_review_consent',
  labelRetentionDays: 90, snelstart: null, postnl: null, reviews: null, reviewsProvider: 'own',
};
