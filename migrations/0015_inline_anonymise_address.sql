-- Erasure cost: anonymise_address() was a SQL function with a sub-select, which Postgres cannot inline, so every
-- call paid a function executor start-up (~20 µs: more than the rest of an order's anonymising UPDATE). Addresses
-- the mirror writes have a known set of keys and only text values; for those one inlinable expression gives the same
-- answer. Anything else (other keys, other values, not an object) takes the general rule, unchanged, now named
-- anonymise_json_strings().

-- The general rule keeps its body (every non-empty string → [deleted], email → deleted@site.invalid, every phone digit
-- → 0, state/country → ''; empty strings and non-strings stay; keys stay) under its new name.
ALTER FUNCTION anonymise_address(jsonb) RENAME TO anonymise_json_strings;

-- Same answers (test/erasure/anonymise-sql.test.ts holds both, and src/erasure/anonymise.ts, to them). Only immutable
-- functions and no sub-select, so the planner inlines it. The object is built once from two parallel arrays — the
-- keys present and their new values; a key that is absent gives NULL in both, and array_remove drops it. The value
-- check is strict: lax mode would look inside an array value and call ["x"] a string.
CREATE FUNCTION anonymise_address(a jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN a IS NULL OR jsonb_typeof(a) <> 'object'
      OR a - ARRAY['firstName', 'lastName', 'company', 'address1', 'address2', 'city', 'postcode', 'state', 'country',
                   'email', 'phone'] <> '{}'::jsonb
      OR a @? 'strict $.* ? (@.type() != "string")'
    THEN anonymise_json_strings(a)
    ELSE jsonb_object(
      array_remove(ARRAY[
        CASE WHEN a ? 'firstName' THEN 'firstName' END,
        CASE WHEN a ? 'lastName' THEN 'lastName' END,
        CASE WHEN a ? 'company' THEN 'company' END,
        CASE WHEN a ? 'address1' THEN 'address1' END,
        CASE WHEN a ? 'address2' THEN 'address2' END,
        CASE WHEN a ? 'city' THEN 'city' END,
        CASE WHEN a ? 'postcode' THEN 'postcode' END,
        CASE WHEN a ? 'state' THEN 'state' END,
        CASE WHEN a ? 'country' THEN 'country' END,
        CASE WHEN a ? 'email' THEN 'email' END,
        CASE WHEN a ? 'phone' THEN 'phone' END], NULL),
      array_remove(ARRAY[
        CASE WHEN a ->> 'firstName' <> '' THEN '[deleted]' ELSE a ->> 'firstName' END,
        CASE WHEN a ->> 'lastName' <> '' THEN '[deleted]' ELSE a ->> 'lastName' END,
        CASE WHEN a ->> 'company' <> '' THEN '[deleted]' ELSE a ->> 'company' END,
        CASE WHEN a ->> 'address1' <> '' THEN '[deleted]' ELSE a ->> 'address1' END,
        CASE WHEN a ->> 'address2' <> '' THEN '[deleted]' ELSE a ->> 'address2' END,
        CASE WHEN a ->> 'city' <> '' THEN '[deleted]' ELSE a ->> 'city' END,
        CASE WHEN a ->> 'postcode' <> '' THEN '[deleted]' ELSE a ->> 'postcode' END,
        CASE WHEN a ->> 'state' <> '' THEN '' ELSE a ->> 'state' END,
        CASE WHEN a ->> 'country' <> '' THEN '' ELSE a ->> 'country' END,
        CASE WHEN a ->> 'email' <> '' THEN 'deleted@site.invalid' ELSE a ->> 'email' END,
        translate(a ->> 'phone', '0123456789', '0000000000')], NULL))
  END
$$;
