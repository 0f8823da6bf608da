import type { z } from 'zod';
import { badRequest } from './errors.js';

/** zod at the edge: a failed parse is a 400 naming each bad field; the handler gets typed input. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw badRequest(r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), 'invalid_request');
  return r.data;
}
