/** Every JSON field path a value carries, in the register's notation: `a.b`, arrays as `lines[].total`. */
export function fieldPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => fieldPaths(v, `${prefix}[]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => fieldPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return prefix ? [prefix] : [];
}

/** A customer's full record as the mirror holds it: everything that must NOT reach a review site. */
export const RICH_CUSTOMER = {
  firstName: 'Anneke',
  lastName: 'van der Berg',
  email: 'anneke.vdberg@example.nl',
  orderRef: '10452',
  // what a careless caller might spread in:
  phone: '+31612345678',
  address1: 'Oudegracht 231-bis',
  postcode: '3511NK',
  city: 'Utrecht',
  company: 'Berg Bakkerij BV',
  lines: [{ name: 'Zuurdesem starterkit', total: '24.95' }],
  total: '28.63',
};

/** Values that must never appear anywhere in a request to a review site (body, headers, path, query). */
export const FORBIDDEN_VALUES = ['+31612345678', '0612345678', 'Oudegracht', '3511NK', 'Utrecht', 'Berg Bakkerij', 'Zuurdesem', '28.63', '24.95'];
