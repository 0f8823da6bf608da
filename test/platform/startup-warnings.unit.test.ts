import { startupWarnings } from '../../src/platform/startup-warnings.js';

type Warned = Parameters<typeof startupWarnings>[0];
const quiet: Warned = { sourceAllowlist: ['https://shop.example'], publicUrl: 'https://privacy.shop.example', nodeEnv: 'production', dsr: { smtpUrl: 'smtp://mail.example:587' } };

describe('start-up warnings', () => {
  test('when the allow-list and PUBLIC_URL are set, then nothing to say', () => {
    expect(startupWarnings({ ...quiet })).toEqual([]);
  });

  test('when WC_SOURCE_ALLOWLIST is unset, then it says every shop URL is accepted', () => {
    expect(startupWarnings({ ...quiet, sourceAllowlist: null })).toEqual(['WC_SOURCE_ALLOWLIST is not set: webhooks from every shop URL are accepted']);
  });

  test('when PUBLIC_URL is unset in production or with SMTP set, then it says the mailed links cannot be reached; locally without SMTP, not', () => {
    const warned = [expect.stringMatching(/^PUBLIC_URL is not set: verification links in mails/)];
    expect(startupWarnings({ ...quiet, publicUrl: null })).toEqual(warned);
    expect(startupWarnings({ ...quiet, publicUrl: null, nodeEnv: 'development' })).toEqual(warned);
    expect(startupWarnings({ ...quiet, publicUrl: null, nodeEnv: 'development', dsr: { smtpUrl: null } })).toEqual([]);
  });
});
