/**
 * The desk's stylesheet, served at /desk/assets/desk.css. Kept in a module (not a .css file) so the TypeScript
 * build carries it into dist/ and the helmet CSP (style-src 'self') needs no inline styles.
 */
export const DESK_CSS = `
:root { --ink:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#f5f7fa; --card:#fff; --accent:#2456c9; --accent-ink:#fff;
  --ok:#1e7a46; --warn:#9a5b00; --bad:#b3261e; --bad-bg:#fdecea; --warn-bg:#fff4e0; --ok-bg:#e8f5ee; --focus:#ffbf47; }
* { box-sizing: border-box; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px; box-shadow: 0 0 0 5px var(--ink); }
.skip { position: absolute; left: -999px; top: .5rem; background: var(--card); padding: .5rem 1rem; z-index: 2; }
.skip:focus { left: .5rem; }
header.top { background: var(--ink); color: #fff; }
header.top .bar { max-width: 72rem; margin: 0 auto; padding: .6rem 1.25rem; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
header.top .brand { font-weight: 700; letter-spacing: .01em; color: #fff; text-decoration: none; }
header.top nav ul { display: flex; gap: .25rem; list-style: none; margin: 0; padding: 0; flex-wrap: wrap; }
header.top nav a { color: #dfe6f5; text-decoration: none; padding: .3rem .65rem; border-radius: .35rem; }
header.top nav a:hover { background: #2f3849; color: #fff; }
header.top nav a[aria-current="page"] { background: #fff; color: var(--ink); }
header.top .who { margin-left: auto; display: flex; gap: .75rem; align-items: center; font-size: .9rem; color: #dfe6f5; }
header.top .who form { margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1.25rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
section.card, .card { background: var(--card); border: 1px solid var(--line); border-radius: .6rem; padding: 1rem 1.25rem; margin: 0 0 1.25rem; }
.grid { display: grid; gap: 1.25rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 .5rem; color: var(--muted); }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
tbody tr:hover { background: #f0f4fb; }
tr.overdue { background: var(--bad-bg); }
tr.overdue td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; background: #e7ebf3; color: var(--ink); white-space: nowrap; }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.overdue-text { color: var(--bad); font-weight: 700; }
.muted { color: var(--muted); }
.flash { border-radius: .5rem; padding: .75rem 1rem; margin: 0 0 1.25rem; border: 1px solid; }
.flash.ok { background: var(--ok-bg); border-color: #b6dec7; color: #14532d; }
.flash.error { background: var(--bad-bg); border-color: #f3b8b3; color: #7f1d1d; }
.warning { background: var(--warn-bg); border: 1px solid #f1d29b; border-radius: .5rem; padding: .75rem 1rem; }
form.stack label, fieldset label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
form.stack .hint { font-size: .85rem; color: var(--muted); margin: .1rem 0 0; }
input, select, textarea { font: inherit; padding: .4rem .55rem; border: 1px solid #aeb6c4; border-radius: .35rem; background: #fff; color: var(--ink); max-width: 100%; }
input[type=email], input[type=text], input[type=password], textarea { width: 100%; }
input[type=number] { width: 6rem; }
textarea { min-height: 4.5rem; }
fieldset { border: 1px solid var(--line); border-radius: .5rem; margin: .75rem 0; padding: .5rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 .3rem; }
button { font: inherit; font-weight: 600; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink); padding: .45rem .9rem; border-radius: .35rem; cursor: pointer; margin-top: .75rem; }
button:hover { filter: brightness(1.08); }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; color: #dfe6f5; padding: 0; margin: 0; text-decoration: underline; font-weight: 400; }
.actions { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
.actions form { background: var(--bg); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; margin: 0; }
.actions h3 { font-size: 1rem; margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
dl.facts + table, .warning + dl.facts { margin-top: 1rem; }
.login { max-width: 26rem; margin: 4rem auto; }
.inline { display: inline; margin: 0; }
.inline button { margin: 0; padding: .25rem .7rem; }
ul.plain { list-style: none; margin: 0; padding: 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
@media (prefers-reduced-motion: no-preference) { button { transition: filter .1s; } }
`;
