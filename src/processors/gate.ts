/**
 * The processing gate (P19 restriction, P21 objection, P13b erasure): every push asks it first. Pure. Restriction or a pending objection holds the
 * push (not failed, not retried) until released; an erased person's pushes are dropped, except what the law requires
 * (Art. 17(3)(b): the books — a booking or credit of their order, made with the order as erasure left it); an upheld
 * objection stops processing that rests on legitimate interest or consent (Art. 21), not what a contract or the law
 * requires.
 */

export type Objection = 'none' | 'pending' | 'upheld' | 'rejected';
export type LegalBasis = 'contract' | 'legal_obligation' | 'legitimate_interest' | 'consent';

export interface PersonState {
  erased: boolean;
  restricted: boolean;
  objection: Objection;
}

export type GateDecision = { action: 'run' } | { action: 'hold'; reason: 'restricted' | 'objection_pending' } | { action: 'drop'; reason: 'erased' | 'objection_upheld' };

export function gate(p: PersonState, basis: LegalBasis): GateDecision {
  if (p.erased) return basis === 'legal_obligation' ? { action: 'run' } : { action: 'drop', reason: 'erased' };
  if (p.restricted) return { action: 'hold', reason: 'restricted' };
  if (p.objection === 'pending') return { action: 'hold', reason: 'objection_pending' };
  if (p.objection === 'upheld' && (basis === 'legitimate_interest' || basis === 'consent')) return { action: 'drop', reason: 'objection_upheld' };
  return { action: 'run' };
}

/** The composite status the API shows: the highest of erased > objected > restricted > active. */
export function compositeStatus(p: PersonState): 'erased' | 'objected' | 'restricted' | 'active' {
  if (p.erased) return 'erased';
  if (p.objection === 'pending' || p.objection === 'upheld') return 'objected';
  if (p.restricted) return 'restricted';
  return 'active';
}
