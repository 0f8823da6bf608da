/**
 * Who may call what (P4), in one table: the route-walk test checks every registered route against it.
 * Pure. `routeUrl` is the route's pattern as registered (e.g. /api/orders/:wcOrderId).
 */

export type Access =
  | { kind: 'public' }
  | { kind: 'metrics' } // Bearer METRICS_TOKEN
  | { kind: 'fiscal' } // auditors only (FISCAL_TOKEN acts as one); the operator role and ADMIN_TOKEN are refused (P13)
  | { kind: 'read' } // any signed-in operator or auditor
  | { kind: 'write' }; // the operator role

const PUBLIC: [RegExp, RegExp][] = [
  [/^POST$/, /^\/webhooks\/woocommerce$/],
  [/^(GET|HEAD)$/, /^\/(healthz|readyz)$/],
  [/^(GET|HEAD|POST)$/, /^\/verify\/:token$/],
  [/^(GET|HEAD|POST)$/, /^\/desk\/login$/],
  [/^(GET|HEAD)$/, /^\/desk\/assets\/.*$/],
];

export function accessFor(method: string, routeUrl: string): Access {
  if (PUBLIC.some(([m, u]) => m.test(method) && u.test(routeUrl))) return { kind: 'public' };
  if (routeUrl === '/metrics') return { kind: 'metrics' };
  if (routeUrl === '/desk/logout') return { kind: 'read' }; // everyone may sign out, auditors too
  if (routeUrl === '/api/fiscal-archive') return { kind: 'fiscal' };
  return method === 'GET' || method === 'HEAD' ? { kind: 'read' } : { kind: 'write' };
}

export type Role = 'operator' | 'auditor';
export interface Principal {
  name: string;
  role: Role;
  /** How they signed in: the bootstrap tokens, an operator account's token, or a desk session. */
  via: 'admin_token' | 'fiscal_token' | 'account' | 'session';
}

/** null = allowed; otherwise the status and reason. */
export function authorise(access: Access, p: Principal | null): { status: 401 | 403; message: string } | null {
  if (access.kind === 'public' || access.kind === 'metrics') return null;
  if (!p) return { status: 401, message: 'sign in: missing or invalid bearer token or session' };
  if (access.kind === 'fiscal') {
    return p.role === 'auditor' ? null : { status: 403, message: 'the fiscal archive is readable only by auditors (FISCAL_TOKEN) — P13: personnel lose access' };
  }
  if (access.kind === 'write' && p.role !== 'operator') return { status: 403, message: 'auditors have read-only access' };
  return null;
}

/** Reads that are recorded in the audit trail with the operator's name (a person, an export, a fiscal row, a label). */
export const AUDITED_READS = [/^\/api\/customers$/, /^\/api\/orders\/:wcOrderId$/, /^\/api\/orders\/:wcOrderId\/label$/,
  /^\/api\/privacy-requests\/:id\/export$/, /^\/api\/fiscal-archive$/, /^\/api\/consents$/, /^\/desk\/persons$/,
  /^\/desk\/requests\/:id$/, /^\/api\/privacy-requests\/:id$/];
