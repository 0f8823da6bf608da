/**
 * Splits a one-line Dutch (or Belgian) address into the Street / HouseNr / HouseNrExt that PostNL's labelling API
 * wants (P8: the address is sent, in PostNL's fields). Pure: no I/O.
 *
 * WooCommerce's default checkout has one "address_1" line and a free "address_2" line, so customers type
 * `Kerkstraat 12a`, `Oudegracht 231-bis`, `2e Hugo de Grootstraat 14 II` or put the number in address_2. Street names
 * may hold numbers themselves (`Laan 1940-1945 12`, `Plein 1992 3`, `2e Hugo de Grootstraat`), so the house number is
 * the RIGHTMOST number that is followed only by something that looks like an extension (a letter, `bis`, `hs`, a
 * Roman floor, `bus 3`, `2hg`). When that cannot be done cleanly we refuse (`ok: false`) rather than guess: a parcel
 * sent to the wrong house is worse than a job an operator fixes. Failure reasons never echo the address (they are
 * logged and stored).
 */

export type SplitFailure =
  /** Both lines empty. */
  | 'empty'
  /** No digit anywhere: no house number was given. */
  | 'no_house_number'
  /** Digits present, but no reading as "street number extension" (e.g. a city typed after the number). */
  | 'unrecognised';

export type AddressSplit =
  | {
      ok: true;
      street: string;
      /** Digits only, no leading zeros (PostNL: numeric, at most 5 for Benelux). */
      houseNumber: string;
      /** Without the separator (`231-bis` → `bis`); '' when there is none. */
      houseNumberExt: string;
      /** `Postbus 123` / `Antwoordnummer 123`: split as street + number, flagged so the caller can refuse it. */
      poBox: boolean;
    }
  | { ok: false; reason: SplitFailure };

export const SPLIT_FAILURE_TEXT: Record<SplitFailure, string> = {
  empty: 'the shipping address has no street line',
  no_house_number: 'the shipping address has no house number',
  unrecognised: 'the house number in the shipping address could not be told apart from the street',
};

/** Words after which a number belongs to the unit, not the house: `Kerkstraat 12 bus 3` (BE), `12 app 4`. */
const UNIT_WORD = /^(bus|box|bte|boite|boîte|app|apt|appartement|unit|kamer)\.?$/i;
/** Floor words: `12 1 hoog` / `12 2hg` — the number before them is a floor, not the house number. */
const FLOOR_WORD = /^(hg|hoog|h|verd|verdieping|etage|et)\.?$/i;
const FLOOR_GLUED = /^\d{1,2}(e|de|ste|hg|h|hoog)$/i;
/** Longer words that are known extensions; shorter tokens (a, bis, hs, II, zw, A1, 2hg) are always accepted. */
const EXT_WORDS = new Set([
  'bus', 'box', 'app', 'apt', 'unit', 'kamer', 'hoog', 'boven', 'beneden', 'huis', 'achter', 'voor', 'rood', 'zwart',
  'verd', 'verdieping', 'etage', 'sous', 'souterrain', 'bel', 'beletage', 'zolder', 'appartement', 'ter',
]);
const PO_BOX = /^(postbus|antwoordnummer|postbox)$/i;
const STARTS_WITH_DIGITS = /^(\d+)(.*)$/;
const HAS_LETTER = /\p{L}/u;
const YEAR = /^(1[0-9]|20)\d\d$/;

/** Collapses spaces, drops commas and `nr.`/`#`, and closes up `12 - a` → `12-a`, so the tokens are regular. */
function normalise(line: string): string {
  return line
    .replace(/[\u00a0\t\r\n,;]+/g, ' ')
    .replace(/(^|\s)(nr|no|nummer|huisnummer)\.?\s*(?=\d)/gi, '$1')
    .replace(/#\s*(?=\d)/g, '')
    .replace(/(\d)\s*([-/])\s*(?=\S)/g, '$1$2')
    .replace(/(\p{L}{3,}\.?)(\d)/gu, '$1 $2') // `Kerkstraat12a` → `Kerkstraat 12a`
    .replace(/\s+/g, ' ')
    .trim();
}

/** The extension text, leading separator stripped; null when it does not look like an extension at all. */
function extensionOf(glued: string, tail: string[]): string | null {
  const ext = [glued.replace(/^[-/.]+/, ''), ...tail].filter(Boolean).join(' ');
  const parts = ext.split(/[-/. ]+/).filter(Boolean);
  if (parts.length > 3 || ext.length > 35) return null;
  for (const p of parts) {
    if (!/^[\p{L}\d]+$/u.test(p) || p.length > 10) return null;
    const isWord = /^\p{L}+$/u.test(p);
    if (isWord && p.length > 3 && !EXT_WORDS.has(p.toLowerCase())) return null;
    if (!isWord && p.length > 5) return null;
  }
  return ext;
}

function splitLine(line: string): AddressSplit {
  const tokens = line.split(' ');
  const startsWithDigit = tokens.map((t) => /^\d/.test(t));
  for (let i = tokens.length - 1; i >= 1; i--) {
    const m = STARTS_WITH_DIGITS.exec(tokens[i]!);
    if (!m) continue;
    const digits = m[1]!;
    const glued = m[2]!;
    const tail = tokens.slice(i + 1);
    if (UNIT_WORD.test(tokens[i - 1]!)) continue; // `bus 3`: part of the extension of an earlier number
    const numberBefore = startsWithDigit.slice(1, i).some(Boolean);
    const isFloor = FLOOR_GLUED.test(tokens[i]!) || (tail.length > 0 && FLOOR_WORD.test(tail[0]!) && glued === '');
    if (isFloor && numberBefore) continue; // `12 2hg`, `12 1 hoog`: the floor of house 12
    // `Kerkstraat 12 2`: a bare number after a bare house number is its floor/unit — unless the earlier number is a
    // year that names the street (`Plein 1992 3`, `Laan 1940-1945 12` never gets here: that token is not bare).
    const before = tokens[i - 1]!;
    if (i >= 2 && /^\d{1,5}$/.test(before) && !YEAR.test(before)) continue;
    if (digits.length > 5) continue;
    const ext = extensionOf(glued, tail);
    if (ext === null) continue;
    const street = tokens.slice(0, i).join(' ');
    if (!HAS_LETTER.test(street)) continue;
    return { ok: true, street, houseNumber: String(Number(digits)), houseNumberExt: ext, poBox: PO_BOX.test(street) };
  }
  // Number first (`12 Rue de la Paix`, `221B Baker Street`): only when the rest reads as a street.
  const first = /^(\d{1,5})([a-z]{0,2})$/i.exec(tokens[0] ?? '');
  const rest = tokens.slice(1).join(' ');
  if (first && tokens.length > 1 && HAS_LETTER.test(rest) && !/\d/.test(rest)) {
    return { ok: true, street: rest, houseNumber: String(Number(first[1])), houseNumberExt: first[2]!, poBox: false };
  }
  return { ok: false, reason: /\d/.test(line) ? 'unrecognised' : 'no_house_number' };
}

/**
 * `splitDutchAddress('Kerkstraat 12a')` → { street: 'Kerkstraat', houseNumber: '12', houseNumberExt: 'a' }.
 * address2 is used when it carries the number (`'Kerkstraat', '12a'`) or an extension (`'Kerkstraat 12', 'bis'`);
 * any other address2 text (`'c/o …'`, `'Gebouw B'`) is not guessed into HouseNrExt and is left out.
 */
export function splitDutchAddress(address1: string, address2 = ''): AddressSplit {
  const one = normalise(address1);
  const two = normalise(address2);
  if (!one && !two) return { ok: false, reason: 'empty' };
  if (!one) return splitLine(two);
  const alone = splitLine(one);
  if (!two) return alone;
  if (!alone.ok) {
    // `Kerkstraat` + `12a` (or `12 bus 3`): the number lives on the second line.
    return splitLine(`${one} ${two}`);
  }
  const extra = extensionOf('', two.split(' '));
  if (extra && !/^\d+$/.test(two)) {
    const ext = [alone.houseNumberExt, extra].filter(Boolean).join(' ');
    if (ext.length <= 35) return { ...alone, houseNumberExt: ext };
  }
  return alone;
}
