import { parseProcessorsEnv } from '../../src/processors/processors.config.js';

describe('processor credentials in the environment', () => {
  test('when none of a processor\'s credentials are set, then it is off and nothing is wrong', () => {
    const { config, problems } = parseProcessorsEnv({});
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ snelstart: null, postnl: null, reviews: null });
  });

  test('when only some are set, then start-up is refused naming the missing variables, never their values', () => {
    const { problems } = parseProcessorsEnv({
      SNELSTART_CLIENT_KEY: 'secret-client-key', POSTNL_API_KEY: 'secret-api-key', POSTNL_CUSTOMER_NUMBER: '11223344', REVIEWS_API_KEY: 'secret-reviews',
    });
    expect(problems).toEqual([
      'SNELSTART_SUBSCRIPTION_KEY must be set with SNELSTART_CLIENT_KEY (or none of them, to skip Snelstart)',
      'POSTNL_CUSTOMER_CODE must be set with POSTNL_API_KEY, POSTNL_CUSTOMER_NUMBER (or none of them, to skip PostNL)',
      'REVIEWS_API_URL must be set with REVIEWS_API_KEY (or none of them, to skip the review site)',
    ]);
    expect(problems.join(' ')).not.toMatch(/secret|11223344/);
  });

  test('when the review site is Kiyoh, then its token and location go together', () => {
    expect(parseProcessorsEnv({ REVIEWS_PROVIDER: 'kiyoh', KIYOH_LOCATION_ID: '1234' }).problems)
      .toEqual(['KIYOH_API_TOKEN must be set with KIYOH_LOCATION_ID (or none of them, to skip the review site)']);
    const both = parseProcessorsEnv({ REVIEWS_PROVIDER: 'kiyoh', KIYOH_API_TOKEN: 't', KIYOH_LOCATION_ID: '1234' });
    expect(both.problems).toEqual([]);
    expect(both.config.reviews).toMatchObject({ client: { provider: 'kiyoh', locationId: '1234' } });
  });
});
