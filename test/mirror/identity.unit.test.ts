import { identifyingEmail, identifyingEmails, normaliseEmail } from '../../src/mirror/identity.js';

describe('who is the same person (pure)', () => {
  test('when an email has spaces and capitals, then it is trimmed and lower-cased', () => {
    expect(normaliseEmail('  Ann.Lee@Example.COM ')).toBe('ann.lee@example.com');
  });

  test.each([['deleted@site.invalid'], [''], ['   '], ['not-an-email'], ['anon@shop.invalid'], [null]])(
    'when the email is %p, then it identifies no one',
    (raw) => expect(identifyingEmail(raw)).toBeNull(),
  );

  test('when account and billing email are the same address, then the set holds it once', () => {
    expect(identifyingEmails(['Ann@example.com', 'ann@example.com ', 'deleted@site.invalid', 'bob@example.com'])).toEqual([
      'ann@example.com',
      'bob@example.com',
    ]);
  });
});
