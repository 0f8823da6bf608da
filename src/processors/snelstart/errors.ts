/**
 * Snelstart error bodies → a code and a message that are safe to log and store (ProcessorError.message). Pure.
 *
 * Snelstart answers in three shapes (processors-facts §1.10): an array `[{errorCode, message}]`, an object with
 * `modelState: {field: [messages]}`, or `{Message}` / `{message}` (ASP.NET, OData and the APIM gateway). Its
 * messages can quote what was sent ("Postcode '…' ongeldig voor relatie 'J. Jansen'"), so no message text is kept:
 * only error codes and field paths that pass a strict pattern, plus a fixed text per status.
 */

export interface SafeError { code: string; message: string }

const SAFE_CODE = /^[A-Za-z0-9_.:-]{1,40}$/;
/** Model-state keys are binder paths (`relatie.VestigingsAdres.Postcode`, `boekingsregels[0].Bedrag`). */
const SAFE_FIELD = /^[A-Za-z_$][A-Za-z0-9_.$[\]]{0,80}$/;

const STATUS_TEXT: Record<number, [string, string]> = {
  400: ['bad_request', 'Snelstart rejected the request'],
  401: ['unauthorized', 'Snelstart refused the credentials'],
  403: ['forbidden', 'the Snelstart token lacks the scope for this call'],
  404: ['not_found', 'Snelstart does not know this resource'],
  409: ['conflict', 'Snelstart reports a conflict'],
  429: ['rate_limited', 'Snelstart rate limit exceeded'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A property by name in any casing (Snelstart mixes `Message`/`message`, `ModelState`/`modelState`). */
export function prop(o: unknown, name: string): unknown {
  if (!isObject(o)) return undefined;
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

function statusText(status: number): [string, string] {
  return STATUS_TEXT[status] ?? (status >= 500 ? ['server_error', `Snelstart server error ${status}`] : ['http_error', `Snelstart answered ${status}`]);
}

const list = (xs: string[], max = 5) => (xs.length > max ? `${xs.slice(0, max).join(', ')} (+${xs.length - max})` : xs.join(', '));

export function describeSnelstartError(status: number, body: unknown): SafeError {
  const [slug, text] = statusText(status);
  if (Array.isArray(body)) {
    const codes = [...new Set(body.map((e) => prop(e, 'errorCode')).filter((c): c is string => typeof c === 'string' && SAFE_CODE.test(c)))];
    return codes.length ? { code: codes[0]!, message: `${text}: ${list(codes)}` } : { code: slug, message: text };
  }
  const modelState = prop(body, 'modelState');
  if (isObject(modelState)) {
    const fields = Object.keys(modelState).filter((f) => SAFE_FIELD.test(f));
    return { code: 'invalid_fields', message: fields.length ? `${text}: invalid ${list(fields)}` : text };
  }
  const message = prop(body, 'message');
  // The APIM gateway's own 401s name the subscription key: refreshing the token cannot help then.
  if (status === 401 && typeof message === 'string' && /subscription key/i.test(message)) {
    return { code: 'subscription_key', message: 'Snelstart refused the subscription key (missing or invalid)' };
  }
  return { code: slug, message: text };
}

/** APIM's 429 says "Try again in N seconds."; used when the Retry-After header is missing. */
export function retryAfterFromBody(body: unknown): number | null {
  const m = /try again in (\d+) seconds?/i.exec(String(prop(body, 'message') ?? ''));
  return m ? Number(m[1]) * 1000 : null;
}
