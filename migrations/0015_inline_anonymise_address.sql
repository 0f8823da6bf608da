-- Erasure cost: anonymise_address() was a SQL function with a sub-select, which Postgres cannot inline, so every
-- call paid a function executor start-up (~20 µs: more than the rest of an order's anonymising UPDATE). Addresses
-- the mirror writes have a known set of keys; for those one inlinable expression gives the same answer. Anything
-- else (other keys, not an object) takes the general rule, unchanged, now named anonymise_json_strings().

-- The general rule (the former body): every non-empty string → [deleted], email → deleted@site.invalid, every
-- phone digit → 0, state/country → ''; empty strings and non-strings stay; keys stay.
CREATE FUNCTION anonymise_json_strings(a jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL OR jsonb_typeof(a) <> 'object' THEN a ELSE
    COALESCE((SELECT jsonb_object_agg(k, CASE
        WHEN v IS NULL OR jsonb_typeof(v) <> 'string' OR v #>> '{}' = '' THEN v
        WHEN k = 'email' THEN to_jsonb('deleted@site.invalid'::text)
        WHEN k = 'phone' THEN to_jsonb(regexp_replace(v #>> '{}', '[0-9]', '0', 'g'))
        WHEN k IN ('state', 'country') THEN to_jsonb(''::text)
        ELSE to_jsonb('[deleted]'::text) END)
      FROM jsonb_each(a) AS e(k, v)), '{}'::jsonb)
  END
$$;

-- Same answers (test/erasure/anonymise-sql.test.ts holds both, and src/erasure/anonymise.ts, to them). Only immutable
-- functions and no sub-select, so the planner inlines it: the changed keys are overlaid on the address (jsonb_object
-- gives NULL for a key to keep as it is, and jsonb_strip_nulls drops those).
CREATE OR REPLACE FUNCTION anonymise_address(a jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN a IS NULL OR jsonb_typeof(a) <> 'object'
      OR a - ARRAY['firstName', 'lastName', 'company', 'address1', 'address2', 'city', 'postcode', 'state', 'country',
                   'email', 'phone'] <> '{}'::jsonb
    THEN anonymise_json_strings(a)
    ELSE a || jsonb_strip_nulls(jsonb_object(
      ARRAY['firstName', 'lastName', 'company', 'address1', 'address2', 'city', 'postcode', 'state', 'country', 'email', 'phone'],
      ARRAY[
        CASE WHEN jsonb_typeof(a -> 'firstName') = 'string' AND a ->> 'firstName' <> '' THEN '[deleted]' END,
        CASE WHEN jsonb_typeof(a -> 'lastName') = 'string' AND a ->> 'lastName' <> '' THEN '[deleted]' END,
        CASE WHEN jsonb_typeof(a -> 'company') = 'string' AND a ->> 'company' <> '' THEN '[deleted]' END,
        CASE WHEN jsonb_typeof(a -> 'address1') = 'string' AND a ->> 'address1' <> '' THEN '[deleted]' END,
        CASE WHEN jsonb_typeof(a -> 'address2') = 'string' AND a ->> 'address2' <> '' THEN '[deleted]' END,
        CASE WHEN jsonb_typeof(a -> 'city') = 'string' AND a ->> 'city' <> '' THEN '[deleted]' END,
        CASE WHEN jsonb_typeof(a -> 'postcode') = 'string' AND a ->> 'postcode' <> '' THEN '[deleted]' END,
        CASE WHEN jsonb_typeof(a -> 'state') = 'string' AND a ->> 'state' <> '' THEN '' END,
        CASE WHEN jsonb_typeof(a -> 'country') = 'string' AND a ->> 'country' <> '' THEN '' END,
        CASE WHEN jsonb_typeof(a -> 'email') = 'string' AND a ->> 'email' <> '' THEN 'deleted@site.invalid' END,
        CASE WHEN jsonb_typeof(a -> 'phone') = 'string' AND a ->> 'phone' <> ''
             THEN translate(a ->> 'phone', '0123456789', '0000000000') END]))
  END
$$;
