import { type LegalBasis, type Objection, type PersonState, compositeStatus, gate } from '../../src/processors/gate.js';

/** P19 (restriction), P21 (objection), P13b (forget me): the processing gate every push asks first, and the composite status the API shows. */

const OBJECTIONS: Objection[] = ['none', 'pending', 'upheld', 'rejected'];
const BASES: LegalBasis[] = ['contract', 'legal_obligation', 'legitimate_interest', 'consent'];
const BOOLS = [false, true];

/** Every person state: erased × restricted × objection (16). */
const STATES: PersonState[] = BOOLS.flatMap((erased) => BOOLS.flatMap((restricted) => OBJECTIONS.map((objection) => ({ erased, restricted, objection }))));
const ALL = STATES.flatMap((p) => BASES.map((basis) => ({ p, basis })));
const label = (p: PersonState) => `erased=${p.erased} restricted=${p.restricted} objection=${p.objection}`;

describe('P19 P21 P13b the processing gate (restriction holds, a pending objection holds, erasure drops)', () => {
  test.each([
    // [erased, restricted, objection, basis, expected]
    [false, false, 'none', 'contract', { action: 'run' }],
    [false, false, 'rejected', 'consent', { action: 'run' }],
    [false, true, 'none', 'legal_obligation', { action: 'hold', reason: 'restricted' }],
    [false, false, 'pending', 'contract', { action: 'hold', reason: 'objection_pending' }],
    [false, true, 'pending', 'consent', { action: 'hold', reason: 'restricted' }],
    [true, false, 'none', 'contract', { action: 'drop', reason: 'erased' }],
    [true, true, 'pending', 'consent', { action: 'drop', reason: 'erased' }],
    [false, false, 'upheld', 'consent', { action: 'drop', reason: 'objection_upheld' }],
    [false, false, 'upheld', 'legitimate_interest', { action: 'drop', reason: 'objection_upheld' }],
    [false, false, 'upheld', 'contract', { action: 'run' }],
    [false, false, 'upheld', 'legal_obligation', { action: 'run' }],
    [false, true, 'upheld', 'consent', { action: 'hold', reason: 'restricted' }],
  ] as const)('when erased=%s restricted=%s objection=%s and the basis is %s, then %j', (erased, restricted, objection, basis, expected) => {
    expect(gate({ erased, restricted, objection }, basis)).toEqual(expected);
  });

  test.each(ALL.filter(({ p, basis }) => p.erased && basis !== 'legal_obligation').map(({ p, basis }) => [label(p), basis, p] as const))(
    'when the person is erased (%s), then a %s push is dropped as erased, whatever else holds',
    (_l, basis, p) => expect(gate(p, basis)).toEqual({ action: 'drop', reason: 'erased' }),
  );

  test.each(ALL.filter(({ p, basis }) => p.erased && basis === 'legal_obligation').map(({ p }) => [label(p), p] as const))(
    'when the person is erased (%s), then a push the law requires (the books, Art. 17(3)(b)) runs, whatever else holds',
    (_l, p) => expect(gate(p, 'legal_obligation')).toEqual({ action: 'run' }),
  );

  test.each(ALL.filter(({ p }) => !p.erased && p.restricted).map(({ p, basis }) => [label(p), basis, p] as const))(
    'when the person is restricted and not erased (%s), then a %s push is held — never failed, never dropped',
    (_l, basis, p) => expect(gate(p, basis)).toEqual({ action: 'hold', reason: 'restricted' }),
  );

  test.each(BASES)('when only an objection is pending, then a %s push is held until the objection is decided', (basis) => {
    expect(gate({ erased: false, restricted: false, objection: 'pending' }, basis)).toEqual({ action: 'hold', reason: 'objection_pending' });
  });

  test.each([
    ['consent', { action: 'drop', reason: 'objection_upheld' }],
    ['legitimate_interest', { action: 'drop', reason: 'objection_upheld' }],
    ['contract', { action: 'run' }],
    ['legal_obligation', { action: 'run' }],
  ] as const)('when an upheld objection is the only fact, then a %s push → %j (Art. 21 stops only consent and legitimate interest)', (basis, expected) => {
    expect(gate({ erased: false, restricted: false, objection: 'upheld' }, basis)).toEqual(expected);
  });

  test.each(BASES.flatMap((basis) => (['none', 'rejected'] as const).map((objection) => [objection, basis] as const)))(
    'when nothing stops processing (objection %s), then a %s push runs',
    (objection, basis) => expect(gate({ erased: false, restricted: false, objection }, basis)).toEqual({ action: 'run' }),
  );

  test('when the gate decides, then only run, hold or drop come out — hold never for an erased person, drop never for a restricted one', () => {
    for (const { p, basis } of ALL) {
      const d = gate(p, basis);
      expect(['run', 'hold', 'drop']).toContain(d.action);
      if (p.erased) expect(d.action).toBe(basis === 'legal_obligation' ? 'run' : 'drop');
      else if (p.restricted || p.objection === 'pending') expect(d.action).toBe('hold');
    }
  });
});

describe('P19 P21 the composite person status (erased > objected > restricted > active)', () => {
  const expected = (p: PersonState) =>
    p.erased ? 'erased' : p.objection === 'pending' || p.objection === 'upheld' ? 'objected' : p.restricted ? 'restricted' : 'active';

  test.each(STATES.map((p) => [label(p), expected(p), p] as const))('when %s, then the status is %s', (_l, status, p) => {
    expect(compositeStatus(p)).toBe(status);
  });

  test.each([
    [{ erased: true, restricted: true, objection: 'upheld' }, 'erased'],
    [{ erased: false, restricted: true, objection: 'pending' }, 'objected'],
    [{ erased: false, restricted: true, objection: 'upheld' }, 'objected'],
    [{ erased: false, restricted: true, objection: 'rejected' }, 'restricted'],
    [{ erased: false, restricted: false, objection: 'rejected' }, 'active'],
    [{ erased: false, restricted: false, objection: 'none' }, 'active'],
  ] as const)('when %j, then the highest status %s wins', (p, status) => {
    expect(compositeStatus(p)).toBe(status);
  });
});
