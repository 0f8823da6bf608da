/**
 * Every JSON path a Snelstart request body can carry (P2, P9): the processor register compares outbound requests
 * against this list. `[]` marks an array's elements. The token request's form (grant_type, clientkey) carries
 * credentials only, and GET filters carry our invoice number or relatiecode.
 */
export const SNELSTART_RELATION_FIELDS = [
  'relatiesoort[]',
  'relatiecode',
  'naam',
  'vestigingsAdres.straat',
  'vestigingsAdres.postcode',
  'vestigingsAdres.plaats',
  'vestigingsAdres.land.id',
] as const;

export const SNELSTART_BOOKING_FIELDS = [
  'factuurnummer',
  'factuurdatum',
  'klant.id',
  'omschrijving',
  'factuurbedrag',
  'boekingsregels[].omschrijving',
  'boekingsregels[].grootboek.id',
  'boekingsregels[].bedrag',
  'boekingsregels[].btwSoort',
  'btw[].btwSoort',
  'btw[].btwBedrag',
] as const;

export const SNELSTART_FIELDS: readonly string[] = [...SNELSTART_RELATION_FIELDS, ...SNELSTART_BOOKING_FIELDS];
