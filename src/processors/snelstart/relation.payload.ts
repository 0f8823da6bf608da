import type { Address } from '../../mirror/wc.schemas.js';
import { ProcessorError } from '../types.js';

/**
 * The Snelstart relation (customer) for one person — P9: name and address only. Email and phone are in the
 * Address type but never read here; the policy names no email for Snelstart, so none can leave.
 */

export interface RelationInput {
  /** Our person number, stored as Snelstart's `relatiecode` so the relation is found again (findRelationByCode). */
  code: number;
  /** Overrides the name taken from the billing address. */
  name?: string | null;
  billing: Address;
}

export interface RelationBody {
  relatiesoort: ['Klant'];
  relatiecode: number;
  naam: string;
  vestigingsAdres: { straat: string; postcode: string; plaats: string; land: { id: string } };
}

const clean = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

/**
 * A business customer is booked under its company (the invoice is addressed to it); a consumer under the full
 * name. `straat` is "straatnaam inclusief huisnummer" in Snelstart, and WooCommerce's address_1 already holds
 * both; address_2 (addition, unit) belongs to the same street line.
 */
export function buildRelation(input: RelationInput, countryId: string): RelationBody {
  if (!Number.isInteger(input.code) || input.code < 1 || input.code > 2_147_483_647) {
    throw new ProcessorError('snelstart', 'permanent', null, 'bad_relation_code', 'relatiecode must be a positive int32');
  }
  const b = input.billing;
  const naam = clean(input.name) || clean(b.company) || clean(`${b.firstName} ${b.lastName}`);
  if (!naam) throw new ProcessorError('snelstart', 'permanent', null, 'no_name', `person ${input.code} has no name for a relation`);
  return {
    relatiesoort: ['Klant'],
    relatiecode: input.code,
    naam,
    vestigingsAdres: {
      straat: clean(`${b.address1} ${b.address2}`),
      postcode: clean(b.postcode).toUpperCase(),
      plaats: clean(b.city),
      land: { id: countryId },
    },
  };
}
