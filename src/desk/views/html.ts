/**
 * A tiny auto-escaping template tag for the desk's server-rendered pages. Every interpolated value is escaped unless
 * it is itself the output of `html` (a Safe): the default is safe, so a forgotten escape cannot open an XSS hole.
 */

export class Safe {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Html = Safe;
type Value = Safe | string | number | boolean | null | undefined | Value[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export const escapeHtml = (s: string): string => s.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Safe) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Safe {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Safe(out);
}

/** Markup the caller built and vouches for (constants only — never data). */
export const trusted = (s: string): Safe => new Safe(s);

