// The fixtures' personal data (test/builders/woocommerce.ts defaults, test/platform/no-personal-data-in-logs.test.ts,
// any builder-made email address): none of it may appear in any log line the whole suite captured.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const NEEDLES = [
  // Email addresses the builders and tests make (…@example.com, …@example.nl, the P4 test's mail domain).
  /[A-Za-z0-9._%+-]+@(?:[a-z0-9-]+\.)*example\.(?:com|nl|org)\b/,
  /@wobbleberry-mail\.example/i,
  /Keizersgracht/, /\+31 6 12345678/, /1015 AA/, /Firefox\/128\.0/, /"(?:Ann|Lee)"/,
  /Zeldarine/i, /Quarterstaff/i, /Wobbleberry Crescent/i, /Xanthorpe/i, /XQ9 8ZZ/, /\+44 7700 900461/, /Zeldaphone/,
  // Full (untruncated) fixture IP addresses.
  /\b203\.0\.113\.(?:[1-9]\d{0,2})\b/, /\b198\.51\.100\.173\b/,
];

/** Returns the offending lines (file, line number, which pattern), at most `limit`. */
function scan(dir, limit = 20) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const lines = readFileSync(join(dir, name), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const hit = NEEDLES.find((re) => re.test(line));
      if (hit && found.length < limit) found.push(`${name}:${i + 1} matches ${hit}: ${line.slice(0, 300)}`);
    });
  }
  return found;
}

module.exports = { scan, NEEDLES };
