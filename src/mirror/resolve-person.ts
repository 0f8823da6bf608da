/**
 * Pure decision: which person a delivery belongs to, and what happens to the emails it carries.
 * A WooCommerce customer id wins; otherwise an identifying email; otherwise the order keeps its previous
 * person, or gets an anonymous one of its own.
 */

export interface Candidate {
  personId: number;
  wcCustomerId: number | null;
  /** The shop account is deleted: its emails are no longer a registered customer's to keep. */
  accountDeleted?: boolean;
}

export interface PersonFacts {
  wcCustomerId: number | null;
  /** Identifying emails carried by the delivery, most significant first. */
  emails: string[];
  /** The person matched by wcCustomerId, if any. */
  byCustomer: Candidate | null;
  /** Current owner of each carried email that already belongs to someone. */
  owners: Map<string, Candidate>;
  /** For an order already mirrored: its current person. */
  previousPersonId: number | null;
}

export type PersonChoice =
  | { action: 'use'; personId: number }
  | { action: 'adopt'; personId: number } // a guest person becomes the registered customer
  | { action: 'create' };

export type EmailAction =
  | { email: string; action: 'add' }
  | { email: string; action: 'merge'; fromPersonId: number } // a guest's (or a deleted account's) emails and orders move over
  | { email: string; action: 'keep-with-owner' }; // another registered customer, whose account still exists, owns it

export function choosePerson(f: PersonFacts): PersonChoice {
  if (f.byCustomer) return { action: 'use', personId: f.byCustomer.personId };
  const firstOwned = f.emails.map((e) => f.owners.get(e)).find((c) => c !== undefined);
  if (f.wcCustomerId !== null) {
    if (firstOwned && firstOwned.wcCustomerId === null) return { action: 'adopt', personId: firstOwned.personId };
    return { action: 'create' };
  }
  if (firstOwned) return { action: 'use', personId: firstOwned.personId };
  if (f.emails.length === 0 && f.previousPersonId !== null) return { action: 'use', personId: f.previousPersonId };
  return { action: 'create' };
}

/** What to do with each carried email once the person is known (null = a person still to be created). */
export function planEmails(f: PersonFacts, personId: number | null): EmailAction[] {
  const merged = new Set<number>();
  return f.emails.flatMap((email): EmailAction[] => {
    const owner = f.owners.get(email);
    if (!owner) return [{ email, action: 'add' }];
    if (owner.personId === personId) return [];
    if (owner.wcCustomerId !== null && !owner.accountDeleted) return [{ email, action: 'keep-with-owner' }];
    if (merged.has(owner.personId)) return [];
    merged.add(owner.personId);
    return [{ email, action: 'merge', fromPersonId: owner.personId }];
  });
}
