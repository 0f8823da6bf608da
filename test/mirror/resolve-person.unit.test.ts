import { choosePerson, planEmails, type PersonFacts } from '../../src/mirror/resolve-person.js';

const facts = (f: Partial<PersonFacts>): PersonFacts => ({
  wcCustomerId: null, emails: [], byCustomer: null, owners: new Map(), previousPersonId: null, ...f,
});

describe('which person a delivery belongs to (pure)', () => {
  test('when the customer id is known, then that person is used', () => {
    expect(choosePerson(facts({ wcCustomerId: 5, byCustomer: { personId: 1, wcCustomerId: 5 } }))).toEqual({ action: 'use', personId: 1 });
  });
  test('when a registered customer is new but a guest has the email, then the guest is adopted', () => {
    const f = facts({ wcCustomerId: 5, emails: ['a@x.nl'], owners: new Map([['a@x.nl', { personId: 2, wcCustomerId: null }]]) });
    expect(choosePerson(f)).toEqual({ action: 'adopt', personId: 2 });
  });
  test('when the email belongs to another registered customer, then a new person is created and the email stays', () => {
    const f = facts({ wcCustomerId: 5, emails: ['a@x.nl'], owners: new Map([['a@x.nl', { personId: 3, wcCustomerId: 9 }]]) });
    expect(choosePerson(f)).toEqual({ action: 'create' });
    expect(planEmails(f, 7)).toEqual([{ email: 'a@x.nl', action: 'keep-with-owner' }]);
  });
  test('when the email belongs to a registered customer whose shop account is deleted, then the new account takes it and that person merges in', () => {
    const f = facts({ wcCustomerId: 5, emails: ['a@x.nl'], owners: new Map([['a@x.nl', { personId: 3, wcCustomerId: 9, accountDeleted: true }]]) });
    expect(choosePerson(f)).toEqual({ action: 'create' });
    expect(planEmails(f, 7)).toEqual([{ email: 'a@x.nl', action: 'merge', fromPersonId: 3 }]);
  });
  test('when a guest order has a known email, then it joins that person', () => {
    const f = facts({ emails: ['a@x.nl'], owners: new Map([['a@x.nl', { personId: 4, wcCustomerId: 9 }]]) });
    expect(choosePerson(f)).toEqual({ action: 'use', personId: 4 });
    expect(planEmails(f, 4)).toEqual([]);
  });
  test('when an order has no identifying email, then it keeps its previous person or gets its own', () => {
    expect(choosePerson(facts({ previousPersonId: 8 }))).toEqual({ action: 'use', personId: 8 });
    expect(choosePerson(facts({}))).toEqual({ action: 'create' });
  });
  test('when a customer claims a guest email, then the guest is merged once and new emails are added', () => {
    const f = facts({
      wcCustomerId: 5, emails: ['a@x.nl', 'b@x.nl', 'c@x.nl'], byCustomer: { personId: 1, wcCustomerId: 5 },
      owners: new Map([['b@x.nl', { personId: 2, wcCustomerId: null }], ['c@x.nl', { personId: 2, wcCustomerId: null }]]),
    });
    expect(planEmails(f, 1)).toEqual([
      { email: 'a@x.nl', action: 'add' },
      { email: 'b@x.nl', action: 'merge', fromPersonId: 2 },
    ]);
  });
});
