/**
 * Reads PostNL's many error and warning shapes into one {code, message}. Pure.
 *
 * PostNL answers errors from several layers (processors-facts §2.8): the labelling service (`Errors[]` with
 * Code/Description), the barcode service (`errors[]` with ErrorNumber/ErrorMsg), confirming (`ResponseShipments[]
 * .Errors[]`), the generic `{ErrorCode, ErrorDescription}` and `{Error:{ErrorMessage}}`, and the Apigee gateway in
 * front (`{fault:{faultstring, detail:{errorcode}}}`, `{message, http_status_code}` for 401/429). Messages end up in
 * logs and the sync record, so quoted values are cut out: a description that echoes an address or name loses it.
 */

export interface PostnlProblem {
  code: string;
  message: string;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);

/** Cuts quoted values, e-mail addresses and long free text out of a processor message. */
export function safeText(text: string): string {
  return text
    .replace(/"[^"]*"|'[^']*'|“[^”]*”/g, '…')
    .replace(/[^\s@]+@[^\s@]+/g, '…')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** One entry of any of the list shapes. */
function entryOf(e: Rec): PostnlProblem | null {
  const code = str(e.Code) ?? str(e.code) ?? str(e.ErrorNumber) ?? str(e.ErrorCode);
  const message = str(e.Description) ?? str(e.description) ?? str(e.ErrorMsg) ?? str(e.ErrorDescription) ?? str(e.Message) ?? str(e.Error);
  return code || message ? { code: code ?? 'error', message: message ?? '' } : null;
}

function joined(entries: Rec[]): PostnlProblem | null {
  const found = entries.map(entryOf).filter((x): x is PostnlProblem => x !== null);
  if (!found.length) return null;
  const message = [...new Set(found.map((f) => f.message).filter(Boolean))].slice(0, 3).join('; ');
  return { code: found[0]!.code, message };
}

/** The problem a PostNL error body reports; `http_<status>` with a plain message when the body says nothing usable. */
export function postnlProblemOf(body: unknown, status: number): PostnlProblem {
  // Some gateways answer a bare list of error entries: read it as `Errors`.
  const b: Rec = isRec(body) ? body : Array.isArray(body) ? { Errors: body } : {};
  const found =
    (isRec(b.fault) ? { code: str(isRec(b.fault.detail) ? b.fault.detail.errorcode : null) ?? 'fault', message: str(b.fault.faultstring) ?? '' } : null) ??
    joined(list(b.Errors)) ??
    joined(list(b.errors)) ??
    joined(list(b.ResponseShipments).flatMap((s) => list(s.Errors))) ??
    (str(b.ErrorCode) || str(b.ErrorDescription) ? { code: str(b.ErrorCode) ?? 'error', message: str(b.ErrorDescription) ?? '' } : null) ??
    (isRec(b.Error) && str(b.Error.ErrorMessage) ? { code: str(b.Error.ErrorCode) ?? 'error', message: str(b.Error.ErrorMessage)! } : null) ??
    (str(b.message) ? { code: `http_${str(b.http_status_code) ?? status}`, message: str(b.message)! } : null);
  const code = found?.code ?? `http_${status}`;
  const message = safeText(found?.message ?? '') || `PostNL answered HTTP ${status}`;
  return { code: safeText(code).slice(0, 60), message };
}

/** Warning codes of a 200 (`ResponseShipments[].Warnings[]` or top-level `Warnings[]`): logged, never a failure. */
export function warningCodesOf(body: unknown): string[] {
  if (!isRec(body)) return [];
  const all = [...list(body.Warnings), ...list(body.ResponseShipments).flatMap((s) => list(s.Warnings))];
  return all.map((w) => str(w.Code) ?? str(w.code)).filter((c): c is string => c !== null).map((c) => safeText(c));
}

/** Shipment-level errors inside a 200 (the confirming shape can carry them there). */
export function shipmentErrorsOf(body: unknown): PostnlProblem | null {
  if (!isRec(body)) return null;
  const found = joined(list(body.ResponseShipments).flatMap((s) => list(s.Errors)));
  return found ? { code: safeText(found.code).slice(0, 60), message: safeText(found.message) || 'PostNL reported a shipment error' } : null;
}
