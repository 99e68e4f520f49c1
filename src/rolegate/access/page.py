"""`rolegate access --format html`: who reaches what as one self-contained page a reviewer works in, at any
size of organization (500 accounts × 5,000 users is 3 million answers).

The answers are embedded once, as JSON, in the shape the reach engine already shares them: each distinct
answer (a role, how it is reached, the conditions, why, via) once; each set of answers that principals alike
share once, as runs of answer numbers; each principal as its name and the number of its set. A small
script (no library, nothing fetched) renders from that: a search over principal, account and role, filters
by how a role is reached and by MFA, rows grouped by principal or by account in a virtualised list (only the
rows on screen are in the DOM), the chain of one answer (why, via, the escalation's steps) on click, and a
graph that aggregates grant → role name → number of accounts (a grant: the group, user or role whose policy
is the first reason a principal gets in) and expands on demand.

Nothing is fetched: the style and the script are pinned by hash in the page's Content-Security-Policy
(htmlpage.data_document), so it works from file:// and offline and runs nothing else. Every name is shown
with its invisible characters escaped (safe_text.visible) and reaches the DOM only as text, never as markup;
the JSON is escaped for its <script> block (htmlpage.json_for_html).
"""

from __future__ import annotations

from collections.abc import Iterable

from rolegate.access.reach import AccessRow
from rolegate.htmlpage import counted, data_document, snapshot_taken
from rolegate.safe_text import html_text as escape
from rolegate.safe_text import visible
from rolegate.state.snapshot import Snapshot

DATA_FORMAT = 1


# What the page reads of one row of `access` (a "no" row is not drawn).
PageRow = AccessRow


# How a role is reached, as the page's filter chips name it.
STATUS = {"yes": 0, "conditional": 1, "denied": 2}
_MFA = {False: 0, True: 1, None: 2}  # None: not told apart (an escalation)

_AnswerKey = tuple[str, str, bool | None, tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]


def render_access_html(snapshot: Snapshot, rows: Iterable[PageRow]) -> str:
    data = page_data(snapshot, rows)
    summary = _summary(data["counts"])  # type: ignore[arg-type]
    main = (
        _MAIN
        if data["principals"]
        else _MAIN.replace('<p id="nobody" class="empty" hidden>', '<p id="nobody" class="empty">')
    )
    org = f" · organization {escape(snapshot.organization_id)}" if snapshot.organization_id else ""
    header = f'<p id="taken">{snapshot_taken(snapshot.taken_at)}{org}</p>\n<p id="summary">{summary}</p>'
    return data_document(
        "rolegate — who can reach what", _STYLE, header, main, _SCRIPT, data, "access-data",
    )  # fmt: skip


_STYLE = """
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #16191f; overflow-x: hidden; }
header { padding: 20px 24px 4px; }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { margin: 0 0 10px; font-size: 17px; }
h3 { margin: 14px 0 6px; font-size: 14px; color: #414750; }
header p { margin: 4px 0; color: #545b64; }
.panel { background: #fff; border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.15); padding: 14px 16px;
         min-width: 0; }
#toolbar { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 8px 16px;
           align-items: center; padding: 10px 24px; background: #f6f7f9; border-bottom: 1px solid #e9ebed; }
#search { flex: 1 1 320px; max-width: 460px; padding: 9px 12px; font-size: 15px; border: 1px solid #aab7b8;
          border-radius: 8px; }
#toolbar fieldset { display: flex; gap: 6px; border: 0; margin: 0; padding: 0; }
#toolbar fieldset label { display: flex; gap: 4px; align-items: center; padding: 4px 9px; font-size: 13px;
                          border: 1px solid #d5dbdb; border-radius: 14px; background: #fff; cursor: pointer; }
#toolbar select { font-size: 13px; padding: 4px 6px; }
#toolbar > label { font-size: 13px; color: #414750; }
#count { font-size: 13px; color: #545b64; }
:focus-visible { outline: 3px solid #0972d3; outline-offset: 1px; }
#work { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 380px); gap: 16px; margin: 14px 24px; }
#list { position: relative; height: 62vh; min-height: 90px; overflow-y: auto; overflow-x: hidden;
        border: 1px solid #e9ebed; border-radius: 8px; }
#spacer { width: 1px; }
.line { position: absolute; left: 0; right: 0; top: 0; height: 30px; display: grid; align-items: center;
        grid-template-columns: 22px minmax(0, 1.2fr) minmax(0, 1fr) minmax(0, 1fr) 118px; gap: 8px;
        padding: 0 10px; font-size: 13px; border-bottom: 1px solid #f0f1f3; cursor: pointer;
        white-space: nowrap; }
.line > span { overflow: hidden; text-overflow: ellipsis; min-width: 0; }
.line.group { background: #f2f8fd; font-weight: 600; grid-template-columns: 22px minmax(0, 1fr) auto; }
.line.row { padding-left: 26px; }
.line:hover { background: #e8f2fc; }
.line.current { box-shadow: inset 3px 0 0 #0972d3; background: #d1e8fb; }
.line .sub, .sub { color: #545b64; font-weight: 400; font-family: ui-monospace, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 6px; font-size: 12px; font-weight: 600; }
.badge.mfa { background: #e9f5e1; color: #1d6b0b; }
.badge.nomfa { background: #fde4e1; color: #b1210c; outline: 1px solid #f2b0a9; }
.badge.cond { background: #fdf3cf; color: #7a5b00; outline: 1px solid #efda95; }
.badge.denied { background: #eceff1; color: #414750; outline: 1px solid #c6cbd0; }
.empty { color: #545b64; }
#detail { position: sticky; top: 64px; align-self: start; max-height: 80vh; overflow: auto;
          overflow-wrap: anywhere; font-size: 13px; }
#detail ul { margin: 4px 0; padding-left: 18px; }
#detail ul.steps, #detail ul.chain { list-style: none; padding-left: 4px; }
#detail code { font-family: ui-monospace, monospace; font-size: 12px; background: #f2f3f3; padding: 2px 4px;
               border-radius: 4px; }
#detail .hint { color: #545b64; }
#graph { margin: 14px 24px 32px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 0 0 10px; padding: 0; list-style: none;
          color: #545b64; font-size: 13px; }
#graph-box svg { display: block; width: 100%; height: auto; }
#graph-box text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #16191f;
                  font-size: 13px; }
#graph-box text.sub { fill: #545b64; font-size: 11px; }
#graph-box .node rect { fill: #fff; stroke: #aab7b8; }
#graph-box .node.who rect { fill: #f2f8fd; stroke: #0972d3; }
#graph-box .node { cursor: pointer; }
#graph-box .node.lit rect { fill: #d1e8fb; stroke-width: 2.5; }
#graph-box .edge { fill: none; opacity: .55; }
#graph-box .edge.mfa { stroke: #1d8102; }
#graph-box .edge.nomfa { stroke: #d13212; stroke-dasharray: 7 4; }
#graph-box .edge.cond { stroke: #c79200; stroke-dasharray: 2 4; }
#graph-box .edge.denied { stroke: #8d99a8; stroke-dasharray: 1 5; }
#graph-box svg.focus .edge { opacity: .06; }
#graph-box svg.focus .edge.lit { opacity: 1; }
#graph-box .count { font-size: 11px; fill: #414750; display: none; }
#graph-box svg.focus .count.lit { display: inline; }
#graph button, #detail button { font-size: 13px; padding: 5px 10px; margin-top: 8px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
"""

_MAIN = """
<div id="toolbar" role="search">
<input id="search" type="search" placeholder="Search principal, account, role — e.g. prod admin"
 aria-label="Search principals, accounts and roles (every word must match)"
 autocomplete="off" autofocus>
<fieldset id="status"><legend class="sr">How a role is reached</legend>
<label><input type="checkbox" value="yes" checked> reachable</label>
<label><input type="checkbox" value="conditional" checked> conditional</label>
<label><input type="checkbox" value="escalation" checked> by escalation</label>
<label><input type="checkbox" value="denied" checked> denied</label>
</fieldset>
<label>MFA
<select id="mfa"><option value="any">any</option>
<option value="required">MFA required</option>
<option value="none">no MFA needed</option>
<option value="nodevice">principal has no MFA device</option></select></label>
<label>Group by
<select id="group"><option value="principal">principal</option>
<option value="account">account</option></select></label>
<span id="count" aria-live="polite"></span>
</div>
<div id="work">
<section id="results" class="panel"
 aria-label="Who reaches what">
<div id="list" role="tree"
 aria-label="Who reaches what: groups and their rows (arrow keys, Enter)">
<div id="spacer"></div></div>
<p id="none" class="empty" hidden>No principal matches.</p>
</section>
<aside id="detail" class="panel" aria-live="polite"><h2>Chain</h2>
<p class="hint">Click a row, or move to it with the arrow keys, to see why it is reached
(the policies on each side), through which roles, and the steps of an escalation. Press / to search.</p>
</aside>
</div>
<p id="nobody" class="empty" hidden>Nobody reaches any role here.</p>
<section id="graph" class="panel"
 aria-labelledby="graph-title">
<h2 id="graph-title">Graph</h2>
<ul class="legend"><li>left: what lets principals in (a group's or a user's own policy),
with how many it lets in</li>
<li>right: role names, with the accounts reached over the grants drawn</li>
<li>green: MFA required · red dashed: no MFA or escalation · yellow dotted: conditional</li>
<li>click one to see the accounts of each role name and who it lets in</li></ul>
<div id="graph-box"></div>
<p id="graph-note" class="empty"></p>
<button id="more-groups" type="button">Show 12 more grants</button>
</section>
"""

# Every name reaches the DOM through textContent (el(), svg()), never innerHTML: no markup from the data.
_SCRIPT = r"""
'use strict';
(() => {
// The data (rolegate/access/page.py): strings once; accounts [name, id]; roles [account, name, arn];
// answers [role, status (0 yes, 1 conditional, 2 denied), mfa (0 no, 1 yes, 2 not told), by escalation,
// conditions, why, via]; sets of answers as runs [start, length, ...]; principals [name, account, kind,
// set, arn, groups, MFA device (0 none, 1 one, 2 unknown)]. Names are text: never markup.
const D = JSON.parse(document.getElementById('access-data').textContent);
const S = D.strings;
const $ = id => document.getElementById(id);
const ACC = D.accounts.map(a => ({ name: S[a[0]], id: S[a[1]] }));
const NR = D.roles.length, NA = D.answers.length, NP = D.principals.length;
const R_ACC = Int32Array.from(D.roles, r => r[0]);
const R_NAME = D.roles.map(r => S[r[1]]);
const R_ARN = D.roles.map(r => S[r[2]]);
const R_TEXT = D.roles.map((r, i) => (R_NAME[i] + ' ' + ACC[r[0]].name + ' ' + ACC[r[0]].id).toLowerCase());
const A_ROLE = new Int32Array(NA), A_ST = new Uint8Array(NA), A_MFA = new Uint8Array(NA);
const A_ESC = new Uint8Array(NA), A_ACC = new Int32Array(NA);
D.answers.forEach((a, i) => {
  A_ROLE[i] = a[0]; A_ST[i] = a[1]; A_MFA[i] = a[2]; A_ESC[i] = a[3]; A_ACC[i] = R_ACC[a[0]];
});
// Rows of a principal are shown by account (in the snapshot's order), then role name.
const byRank = Array.from({ length: NA }, (_, i) => i);
byRank.sort((x, y) => A_ACC[x] - A_ACC[y] || (R_NAME[A_ROLE[x]] < R_NAME[A_ROLE[y]] ? -1 :
  R_NAME[A_ROLE[x]] > R_NAME[A_ROLE[y]] ? 1 : x - y));
const RANK = new Int32Array(NA);
byRank.forEach((a, r) => { RANK[a] = r; });
const SETS = D.sets.map(runs => {
  let n = 0;
  for (let k = 1; k < runs.length; k += 2) n += runs[k];
  const ranks = new Int32Array(n);
  let j = 0;
  for (let k = 0; k < runs.length; k += 2) {
    for (let i = 0; i < runs[k + 1]; i++) ranks[j++] = RANK[runs[k] + i];
  }
  ranks.sort();
  for (let i = 0; i < n; i++) ranks[i] = byRank[ranks[i]];
  return ranks;
});
const P = D.principals.map(p => ({
  name: S[p[0]], account: S[p[1]], kind: p[2], set: p[3], arn: S[p[4]], groups: S[p[5]], device: p[6],
}));
const P_TEXT = P.map(p => (p.name + ' ' + p.account + ' ' + p.kind).toLowerCase());
const STATUS = ['yes', 'conditional', 'denied'];

const kindOf = a => A_ESC[a] ? 'escalation' : STATUS[A_ST[a]];
function badge(a) {
  const b = document.createElement('span');
  const [cls, text] = A_ESC[a] ? ['nomfa', '⚠ escalation'] : A_ST[a] === 2 ? ['denied', '✕ denied'] :
    A_ST[a] === 1 ? ['cond', '? conditional'] : A_MFA[a] === 1 ? ['mfa', '✓ MFA'] : ['nomfa', '✓ no MFA'];
  b.className = 'badge ' + cls;
  b.textContent = text;
  return b;
}
function el(tag, cls, ...kids) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const k of kids) e.append(k);  // strings become text nodes
  return e;
}

// -- the filter: words over principal, account and role; how it is reached; MFA ---------------------------
const box = $('search'), mfaSel = $('mfa'), groupSel = $('group');
const chips = [...document.querySelectorAll('#status input')];
let MATCH = [];      // principal -> its answers shown (or null)
let matched = [];    // principals with at least one answer shown, in snapshot order
let total = 0;
function filter() {
  const ws = box.value.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 20);
  const full = (1 << ws.length) - 1;
  const roleMask = new Int32Array(NR);
  if (ws.length) for (let r = 0; r < NR; r++) {
    let m = 0;
    for (let k = 0; k < ws.length; k++) if (R_TEXT[r].includes(ws[k])) m |= 1 << k;
    roleMask[r] = m;
  }
  const on = new Set(chips.filter(c => c.checked).map(c => c.value));
  const mfa = mfaSel.value;
  const ok = new Uint8Array(NA);
  for (let a = 0; a < NA; a++) {
    ok[a] = on.has(kindOf(a)) && (mfa === 'required' ? A_MFA[a] === 1 : mfa === 'none' ?
      A_MFA[a] === 0 && A_ST[a] !== 2 : true) ? 1 : 0;
  }
  const cache = new Map();
  MATCH = new Array(NP).fill(null);
  matched = [];
  total = 0;
  for (let p = 0; p < NP; p++) {
    if (mfa === 'nodevice' && P[p].device !== 0) continue;
    let pm = 0;
    for (let k = 0; k < ws.length; k++) if (P_TEXT[p].includes(ws[k])) pm |= 1 << k;
    const key = P[p].set * 1048576 + pm;
    let list = cache.get(key);
    if (list === undefined) {
      const set = SETS[P[p].set];
      const out = [];
      for (let i = 0; i < set.length; i++) {
        const a = set[i];
        if (ok[a] && (roleMask[A_ROLE[a]] | pm) === full) out.push(a);
      }
      list = Int32Array.from(out);
      cache.set(key, list);
    }
    if (list.length) { MATCH[p] = list; matched.push(p); total += list.length; }
  }
}

// -- the list: groups (principals or accounts) and their rows, only the rows on screen in the DOM ---------
const H = 30;
const list = $('list'), spacer = $('spacer');
let LP = [], LA = [], LG = [];  // per line: principal, answer (-1: a group line), account of a group (-1)
let open = new Map();           // group key -> opened (true) or closed (false) by the reader
let current = 0;
let auto = false;               // few rows: every group starts open
const gkey = (p, g) => groupSel.value === 'account' ? 'a' + g : 'p' + p;
const isOpen = k => open.has(k) ? open.get(k) : auto;
function lines() {
  LP = []; LA = []; LG = [];
  auto = total <= 400;
  if (groupSel.value === 'principal') {
    for (const p of matched) {
      LP.push(p); LA.push(-1); LG.push(-1);
      if (isOpen('p' + p)) for (const a of MATCH[p]) { LP.push(p); LA.push(a); LG.push(-1); }
    }
    return;
  }
  const rows = new Int32Array(ACC.length), who = new Int32Array(ACC.length);
  for (const p of matched) {
    let last = -1;
    for (const a of MATCH[p]) {
      rows[A_ACC[a]]++;
      if (A_ACC[a] !== last) { who[A_ACC[a]]++; last = A_ACC[a]; }
    }
  }
  groupCounts = [rows, who];
  for (let g = 0; g < ACC.length; g++) {
    if (!rows[g]) continue;
    LP.push(-1); LA.push(-1); LG.push(g);
    if (isOpen('a' + g)) for (const p of matched) for (const a of MATCH[p]) {
      if (A_ACC[a] === g) { LP.push(p); LA.push(a); LG.push(-1); }
    }
  }
}
let groupCounts = [null, null];
function lineEl(i) {
  const p = LP[i], a = LA[i], g = LG[i];
  const e = el('div', 'line');
  e.setAttribute('role', 'treeitem');
  e.tabIndex = i === current ? 0 : -1;
  e.setAttribute('aria-selected', String(i === current));
  e.dataset.index = i;
  e.style.transform = 'translateY(' + i * H + 'px)';
  if (a < 0) {
    const k = gkey(p, g);
    e.classList.add('group');
    e.setAttribute('aria-level', '1');
    e.setAttribute('aria-expanded', String(isOpen(k)));
    if (g >= 0) {
      e.dataset.account = ACC[g].name;
      e.append(el('span', '', isOpen(k) ? '▾' : '▸'),
        el('span', '', ACC[g].name + ' ', el('span', 'sub', ACC[g].id)),
        el('span', 'sub', plural(groupCounts[1][g], 'principal') + ' · ' + plural(groupCounts[0][g], 'row')));
    } else {
      e.dataset.principal = P[p].name;
      const n = MATCH[p].length;
      e.append(el('span', '', isOpen(k) ? '▾' : '▸'),
        el('span', '', P[p].name + ' ', el('span', 'sub', P[p].account)),
        el('span', 'sub', n + (n === 1 ? ' role' : ' roles')));
    }
    return e;
  }
  e.classList.add('row');
  e.setAttribute('aria-level', '2');
  const r = A_ROLE[a];
  Object.assign(e.dataset, { principal: P[p].name, account: ACC[A_ACC[a]].name, role: R_NAME[r],
    reachable: A_ESC[a] ? 'escalation' : STATUS[A_ST[a]],
    mfa: A_MFA[a] === 2 ? '' : String(A_MFA[a] === 1) });
  e.append(el('span', ''), el('span', '', P[p].name), el('span', '', R_NAME[r]),
    el('span', '', ACC[A_ACC[a]].name), el('span', '', badge(a)));
  return e;
}
const plural = (n, word) => n.toLocaleString('en') + ' ' + word + (n === 1 ? '' : 's');
function render() {
  // Lines are made anew on every scroll: the focus, when on a line, stays on the current one.
  const focusOn = document.activeElement && document.activeElement.classList.contains('line');
  spacer.style.height = LP.length * H + 'px';
  // as tall as its lines, up to most of the window: a short answer leaves no empty box
  list.style.height = Math.max(90, Math.min(LP.length * H + 2, Math.round(innerHeight * 0.62))) + 'px';
  for (const old of list.querySelectorAll('.line')) old.remove();
  const first = Math.max(0, Math.floor(list.scrollTop / H) - 4);
  const last = Math.min(LP.length, Math.ceil((list.scrollTop + list.clientHeight) / H) + 4);
  for (let i = first; i < last; i++) {
    const e = lineEl(i);
    list.append(e);
    if (i === current) {
      e.classList.add('current');
      if (focusOn) e.focus({ preventScroll: true });
    }
  }
  $('none').hidden = NP === 0 || matched.length > 0;
  $('count').textContent = total.toLocaleString('en') + ' rows · ' +
    matched.length.toLocaleString('en') + ' of ' + NP.toLocaleString('en') + ' principals';
}
list.addEventListener('scroll', () => requestAnimationFrame(render));

function focusLine(i, show) {
  if (!LP.length) return;
  current = Math.max(0, Math.min(LP.length - 1, i));
  const top = current * H;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + H > list.scrollTop + list.clientHeight) list.scrollTop = top + H - list.clientHeight;
  render();
  const e = list.querySelector('.line[data-index="' + current + '"]');
  if (e) e.focus({ preventScroll: true });
  if (show) choose(current);
}
function toggle(i, want) {
  const k = gkey(LP[i], LG[i]);
  const now = want === undefined ? !isOpen(k) : want;
  open.set(k, now);
  lines();
  render();
}
function choose(i) {
  if (LA[i] < 0) { detailGroup(LP[i], LG[i]); return; }
  detailRow(LP[i], LA[i]);
}
list.addEventListener('click', ev => {
  const e = ev.target.closest('.line');
  if (!e) return;
  const i = Number(e.dataset.index);
  if (LA[i] < 0) toggle(i);
  focusLine(i, true);
});
list.addEventListener('keydown', ev => {
  const page = Math.max(1, Math.floor(list.clientHeight / H) - 1);
  const go = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page }[ev.key];
  if (go) focusLine(current + go, true);
  else if (ev.key === 'Home') focusLine(0, true);
  else if (ev.key === 'End') focusLine(LP.length - 1, true);
  else if (ev.key === 'Enter' || ev.key === ' ') {
    if (LA[current] < 0) toggle(current);
    focusLine(current, true);
  }
  else if (ev.key === 'ArrowRight' && LA[current] < 0) { toggle(current, true); focusLine(current); }
  else if (ev.key === 'ArrowLeft') {
    let i = current;
    while (i > 0 && LA[i] >= 0) i--;
    if (LA[current] < 0) toggle(i, false);
    focusLine(i);
  } else return;
  ev.preventDefault();
});

// -- the chain of one answer ---------------------------------------------------------------------------
const detail = $('detail');
function section(title, items, cls) {
  const ul = el('ul', cls || '');
  for (const t of items) ul.append(el('li', '', t));
  return [el('h3', '', title), ul];
}
function detailRow(p, a) {
  const [, , , , conds, why, via] = D.answers[a];
  const r = A_ROLE[a], acct = ACC[A_ACC[a]];
  const parts = [el('h2', '', P[p].name + ' → ' + R_NAME[r] + ' in ' + acct.name), el('p', '', badge(a), ' ',
    A_ESC[a] ? 'BY ESCALATION: no policy lets them in as they are; they may change their own access' :
    A_ST[a] === 2 ? 'DENIED: an explicit Deny refuses it' :
    A_MFA[a] === 1 ? 'MFA required' : 'NO MFA needed: long-term keys are enough')];
  if (conds.length) parts.push(...section('Only if', conds.map(c => S[c])));
  if (A_ESC[a]) parts.push(...section('Steps', via.map((v, n) => (n + 1) + '. ' + S[v]), 'steps'));
  else parts.push(...section('Chain', [P[p].name + ' (' + P[p].account + ')', ...via.map(v => '→ ' + S[v]),
    '→ ' + R_ARN[r]], 'chain'));
  if (why.length) parts.push(...section(A_ST[a] === 2 ? 'Refused by' : 'Allowed by', why.map(w => S[w])));
  parts.push(el('h3', '', 'Ask the CLI'),
    el('p', '', el('code', '',
      'rolegate access --explain ' + P[p].name + ' ' + R_NAME[r] + '@' + acct.name)));
  detail.replaceChildren(...parts);
}
function counts(answers) {
  const c = { 'yes': 0, 'no MFA': 0, 'conditional': 0, 'escalation': 0, 'denied': 0 };
  for (const a of answers) {
    const k = kindOf(a);
    c[k === 'yes' && A_MFA[a] === 0 ? 'no MFA' : k]++;
  }
  return Object.entries(c).filter(([, n]) => n).map(([k, n]) => n + ' ' + (k === 'yes' ? 'with MFA' : k));
}
function detailGroup(p, g) {
  if (g >= 0) {
    const answers = [];
    for (const q of matched) for (const a of MATCH[q]) if (A_ACC[a] === g) answers.push(a);
    detail.replaceChildren(el('h2', '', ACC[g].name + ' ' + ACC[g].id),
      el('p', '', plural(groupCounts[1][g], 'principal') + ' reach ' + plural(answers.length, 'role') +
        ' here (as filtered)'),
      ...section('How', counts(answers)));
    return;
  }
  const d = P[p];
  detail.replaceChildren(el('h2', '', d.name + ' (' + d.kind + ' in ' + d.account + ')'),
    el('p', 'sub', d.arn), el('p', '', 'groups: ' + (d.groups || 'none')),
    el('p', '', 'MFA device: ' + ['none', 'yes', 'not read'][d.device]),
    ...section('Reaches (as filtered)', counts(MATCH[p])));
}

// -- the graph: grant → role name → accounts, aggregated, expanded on demand ---------------------------
const NS = 'http://www.w3.org/2000/svg';
let shownGroups = 12, focused = -1;
function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
// What lets a principal in, on the identity side: the holder of the first reason ("group admins", "user
// cobus"), so that a group's grant across 500 accounts is one node and one line per role name.
const HOLDERS = [], holderOf = new Map();
const A_HOLDER = Int32Array.from(D.answers, a => {
  const s = a[5].length ? S[a[5][0]] : 'no reason recorded';
  const colon = s.indexOf(': ');
  const h = s.startsWith('by escalation') ? 'by escalation' : s.startsWith('trust policy') ?
    'named in a trust policy' : colon > 0 ? s.slice(0, colon) : s;
  if (!holderOf.has(h)) { holderOf.set(h, HOLDERS.length); HOLDERS.push(h); }
  return holderOf.get(h);
});
let listHolders = new Map();  // a list of answers shown -> the holders in it
function graphGroups() {
  const weight = new Map();  // the lists shown (principals alike share one) -> how many principals
  for (const p of matched) weight.set(MATCH[p], (weight.get(MATCH[p]) || 0) + 1);
  const by = new Map();
  listHolders = new Map();
  for (const [list, w] of weight) {
    const seen = new Set();
    for (const a of list) {
      const h = A_HOLDER[a];
      let g = by.get(h);
      if (!g) { g = { holder: h, members: 0, rows: 0, edges: new Map() }; by.set(h, g); }
      if (!seen.has(h)) { seen.add(h); g.members += w; }
      g.rows += w;
      const n = R_NAME[A_ROLE[a]];
      let e = g.edges.get(n);
      if (!e) { e = { accounts: new Set(), kind: 'denied' }; g.edges.set(n, e); }
      e.accounts.add(A_ACC[a]);
      const k = edgeKind(a);
      if (WORST[k] > WORST[e.kind]) e.kind = k;
    }
    listHolders.set(list, seen);
  }
  return [...by.values()].sort((x, y) => y.rows - x.rows || x.holder - y.holder);
}
function membersOf(g) {
  return matched.filter(p => listHolders.get(MATCH[p]).has(g.holder));
}
const WORST = { denied: 0, mfa: 1, cond: 2, nomfa: 3 };
function edgeKind(a) {
  if (A_ESC[a]) return 'nomfa';
  return A_ST[a] === 2 ? 'denied' : A_ST[a] === 1 ? 'cond' : A_MFA[a] === 1 ? 'mfa' : 'nomfa';
}
function graph() {
  const groups = graphGroups();
  const shown = groups.slice(0, shownGroups);
  const names = new Map();  // role name -> total accounts over the grants drawn
  for (const g of shown) {
    for (const [n, e] of g.edges) names.set(n, (names.get(n) || 0) + e.accounts.size);
  }
  const roleNames = [...names.keys()]
    .sort((x, y) => names.get(y) - names.get(x) || (x < y ? -1 : 1)).slice(0, 40);
  const at = new Map(roleNames.map((n, i) => [n, i]));
  const W = 1160, PITCH = 44, TOP = 10, LX = 8, LW = 340, RX = 760, RW = 300;
  const height = Math.max(shown.length, roleNames.length) * PITCH + 2 * TOP;
  const ly = i => TOP + i * PITCH + (height - 2 * TOP - shown.length * PITCH) / 2;
  const ry = i => TOP + i * PITCH + (height - 2 * TOP - roleNames.length * PITCH) / 2;
  const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + height, role: 'img', id: 'reach-graph',
    'aria-label': 'What grants access, the role names it opens, and in how many accounts' });
  const edges = svg('g', {}), nodes = svg('g', {});
  root.append(edges, nodes);
  shown.forEach((g, i) => {
    const y0 = ly(i) + 17;
    for (const [n, e] of g.edges) {
      if (!at.has(n)) continue;
      const y1 = ry(at.get(n)) + 17, x0 = LX + LW, x1 = RX, mid = (x0 + x1) / 2, c = e.accounts.size;
      const path = svg('path', { class: 'edge ' + e.kind,
        d: `M${x0} ${y0}C${mid} ${y0} ${mid} ${y1} ${x1} ${y1}`,
        'stroke-width': String(1 + 0.6 * Math.log2(1 + c)), 'data-group': String(i), 'data-role': n,
        'data-accounts': String(c), 'data-members': String(g.members) });
      path.append(svg('title', {}, label(g) + ' → ' + n + ': ' + c + (c === 1 ? ' account' : ' accounts')));
      edges.append(path);
      edges.append(svg('text', { class: 'count', x: String(x1 - 8), y: String(y1 - 4), 'text-anchor': 'end',
        'data-group': String(i) }, c + (c === 1 ? ' account' : ' accounts')));
    }
    const node = svg('g', { class: 'node who', tabindex: '0', role: 'button', 'data-group': String(i),
      'aria-label': label(g) });
    node.append(svg('title', {}, label(g)), svg('rect', { x: LX, y: ly(i), width: LW, height: 34, rx: 8 }),
      svg('text', { x: LX + 10, y: ly(i) + 15 }, cut(label(g), 44)),
      svg('text', { class: 'sub', x: LX + 10, y: ly(i) + 29 }, g.members.toLocaleString('en') +
        (g.members === 1 ? ' principal · ' : ' principals · ') + g.edges.size +
        (g.edges.size === 1 ? ' role name' : ' role names')));
    node.addEventListener('click', () => focusGroup(i, g));
    node.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); focusGroup(i, g); }
    });
    nodes.append(node);
  });
  roleNames.forEach((n, i) => {
    const node = svg('g', { class: 'node role', 'data-role': n, tabindex: '0', role: 'button',
      'aria-label': n + ': which grants open it' });
    node.addEventListener('click', () => focusRole(n, groups));
    node.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); focusRole(n, groups); }
    });
    node.append(svg('title', {}, n + ': ' + names.get(n) + ' accounts over the grants drawn'),
      svg('rect', { x: RX, y: ry(i), width: RW, height: 34, rx: 8 }),
      svg('text', { x: RX + 10, y: ry(i) + 21 }, cut(n, 38)),
      svg('text', { class: 'sub', x: RX + RW - 10, y: ry(i) + 21, 'text-anchor': 'end' },
        String(names.get(n))));
    nodes.append(node);
  });
  $('graph-box').replaceChildren(root);
  $('graph-note').textContent = groups.length ? 'Drawn: ' + shown.length + ' of ' + groups.length +
    ' grants (most rows first), ' + roleNames.length + ' role names.' :
    'Nothing to draw.';
  $('more-groups').hidden = shown.length >= groups.length;
  focused = -1;
}
const label = g => HOLDERS[g.holder];
const cut = (t, n) => t.length > n ? t.slice(0, n - 1) + '…' : t;
function focusRole(n, groups) {
  // Every grant that opens a role of this name (drawn or not), with its accounts: the other way in.
  const root = $('reach-graph');
  const on = focused !== 'r' + n;
  focused = on ? 'r' + n : -1;
  root.classList.toggle('focus', on);
  for (const e of root.querySelectorAll('.edge, .count')) e.classList.remove('lit');
  for (const e of root.querySelectorAll('.edge')) e.classList.toggle('lit', on && e.dataset.role === n);
  if (!on) return;
  const through = groups.filter(g => g.edges.has(n))
    .sort((x, y) => y.edges.get(n).accounts.size - x.edges.get(n).accounts.size);
  const items = through.slice(0, 60).map(g => label(g) + ': ' +
    plural(g.edges.get(n).accounts.size, 'account') + ', ' + plural(g.members, 'principal'));
  if (through.length > 60) items.push('… ' + (through.length - 60) + ' more');
  detail.replaceChildren(el('h2', '', n), el('p', '', 'opened by ' + plural(through.length, 'grant') +
    ' (as filtered)'), ...section('Grants', items));
}
function focusGroup(i, g) {
  const root = $('reach-graph');
  const on = focused !== i;
  focused = on ? i : -1;
  root.classList.toggle('focus', on);
  for (const e of root.querySelectorAll('[data-group]')) {
    e.classList.toggle('lit', on && e.dataset.group === String(i));
  }
  if (!on) return;
  const members = membersOf(g);
  const parts = [el('h2', '', label(g)), el('p', '', members.length.toLocaleString('en') +
    (members.length === 1 ? ' principal reaches ' : ' principals reach ') + plural(g.rows, 'role') +
    ' through it (as filtered)')];
  for (const [n, e] of [...g.edges].sort((x, y) => y[1].accounts.size - x[1].accounts.size)) {
    const accts = [...e.accounts].sort((x, y) => x - y).map(x => ACC[x].name);
    parts.push(...section(n + ' in ' + accts.length + (accts.length === 1 ? ' account' : ' accounts'),
      [accts.slice(0, 40).join(', ') + (accts.length > 40 ? ', … ' + (accts.length - 40) + ' more' : '')]));
  }
  parts.push(...section('Principals', members.slice(0, 50).map(p => P[p].name + ' (' + P[p].account + ')')
    .concat(members.length > 50 ? ['… ' + (members.length - 50) + ' more'] : [])));
  detail.replaceChildren(...parts);
}
$('more-groups').addEventListener('click', () => { shownGroups += 12; graph(); });

// -- wiring ----------------------------------------------------------------------------------------------
function refresh() {
  filter();
  open = new Map();
  current = 0;
  list.scrollTop = 0;
  lines();
  render();
  shownGroups = 12;
  graph();
}
let pending = 0;
box.addEventListener('input', () => {
  clearTimeout(pending);
  pending = setTimeout(refresh, NA > 20000 ? 120 : 0);
});
box.addEventListener('keydown', ev => {  // Enter: to the first row, and its chain
  if (ev.key === 'Enter' || ev.key === 'ArrowDown') {
    ev.preventDefault();
    clearTimeout(pending);
    refresh();
    focusLine(0, true);
  }
});
for (const c of [...chips, mfaSel, groupSel]) c.addEventListener('change', refresh);
document.addEventListener('keydown', ev => {
  if (ev.key === '/' && document.activeElement !== box) { ev.preventDefault(); box.focus(); }
});
$('nobody').hidden = NP > 0;
$('work').hidden = NP === 0;
$('graph').hidden = NP === 0;
refresh();
document.body.dataset.ready = 'true';
})();
"""


# -- the data: every answer once, every set of answers once, every principal as a name and its set -----------
class _Strings:
    """Every text the page shows (names, conditions, reasons, ARNs) once, with its invisible characters
    escaped, numbered in order of first use."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def many(self, texts: Iterable[str]) -> list[int]:
        return [self(t) for t in texts]

    def table(self) -> list[str]:
        return [visible(t, one_line=True) for t in self.index]


def _key(r: PageRow) -> _AnswerKey:
    return (
        r.role_arn, r.reachable, r.mfa_required, tuple(r.conditions), tuple(r.why), tuple(r.via),
        bool(getattr(r, "escalation", False)),
    )  # fmt: skip


def page_data(snapshot: Snapshot, rows: Iterable[PageRow]) -> dict[str, object]:
    """The page's JSON: accounts, roles, answers, sets of answers (runs) and principals (see page.js)."""
    accounts: dict[str, int] = {name: i for i, name in enumerate(snapshot.accounts)}
    account_ids = [a.account_id for a in snapshot.accounts.values()]
    roles: dict[str, tuple[int, str]] = {}
    answers: dict[_AnswerKey, int] = {}
    principals: dict[str, tuple[PageRow, list[int]]] = {}
    # A reach row is a view over a cell that principals alike share (reach.Reach): its answer is worked out
    # once per cell, not once per row (3 million rows at 500 accounts, a million cells). The cells stay
    # alive in `cells` while their ids are keys.
    by_cell: dict[int, int] = {}
    cells: list[object] = []
    for r in rows:
        cell = getattr(r, "cell", None)  # a reach row's; an escalation row has none
        answer = by_cell.get(id(cell), -1) if cell is not None else -1
        if answer < 0:
            if r.reachable == "no":
                continue
            answer = _answer(r, answers, roles, accounts, account_ids)
            if cell is not None:
                by_cell[id(cell)] = answer
                cells.append(cell)
        held = principals.get(r.principal)
        if held is None:
            held = principals[r.principal] = (r, [])
        held[1].append(answer)
    data = _encode(snapshot, accounts, account_ids, roles, answers, principals)
    data["counts"] = _counts(answers, principals) | {
        "principals": len(principals),
        "roles": len(roles),
        "accounts": len({a for a, _ in roles.values()}),
    }
    return data


def _answer(
    r: PageRow,
    answers: dict[_AnswerKey, int],
    roles: dict[str, tuple[int, str]],
    accounts: dict[str, int],
    account_ids: list[str],
) -> int:
    """The number of the row's answer, the role (and its account) numbered on first sight."""
    if r.role_arn not in roles:
        if r.account not in accounts:
            accounts[r.account] = len(accounts)
            account_ids.append(r.account_id)
        roles[r.role_arn] = (accounts[r.account], r.role)
    return answers.setdefault(_key(r), len(answers))


def _counts(
    answers: dict[_AnswerKey, int], principals: dict[str, tuple[PageRow, list[int]]]
) -> dict[str, int]:
    """Rows reached, reached with long-term keys alone, by escalation, refused by a Deny."""
    times = [0] * len(answers)
    for _, held in principals.values():
        for a in held:
            times[a] += 1
    counts = dict.fromkeys(("reached", "no_mfa", "escalated", "denied"), 0)
    for (_, reachable, mfa, _, _, _, by_escalation), a in answers.items():
        n = times[a]
        if reachable == "denied":
            counts["denied"] += n
            continue
        counts["reached"] += n
        counts["escalated"] += n if by_escalation else 0
        counts["no_mfa"] += n if reachable == "yes" and mfa is False and not by_escalation else 0
    return counts


def _encode(
    snapshot: Snapshot,
    accounts: dict[str, int],
    account_ids: list[str],
    roles: dict[str, tuple[int, str]],
    answers: dict[_AnswerKey, int],
    principals: dict[str, tuple[PageRow, list[int]]],
) -> dict[str, object]:
    text = _Strings()
    role_number = {arn: i for i, arn in enumerate(roles)}
    # Answers numbered so that what one policy grants across accounts is one run of numbers: by the first
    # reason (the identity side), then role name, then account. A set of answers is then a few runs.
    order = sorted(
        answers,
        key=lambda k: (k[4][:1], roles[k[0]][1], k[1], str(k[2]), len(k[5]), k[6], roles[k[0]][0], k[0]),
    )
    renumber = [0] * len(order)
    encoded: list[list[object]] = []
    for new, key in enumerate(order):
        renumber[answers[key]] = new
        arn, reachable, mfa, conditions, why, via, by_escalation = key
        encoded.append([
            role_number[arn], STATUS.get(reachable, 0), _MFA[mfa], int(by_escalation),
            text.many(conditions), text.many(why), text.many(via),
        ])  # fmt: skip
    sets: dict[tuple[int, ...], int] = {}
    people: list[list[object]] = []
    users = {u.arn: u for a in snapshot.accounts.values() for u in a.users.values()}
    for first, held in principals.values():
        members = tuple(sorted({renumber[a] for a in held}))
        number = sets.setdefault(members, len(sets))
        user = users.get(first.principal)
        groups = ", ".join(sorted(user.groups)) if user is not None else ""
        device = 2 if user is None or user.mfa_devices is None else int(user.mfa_devices > 0)
        people.append([
            text(first.principal_name), text(first.principal_account), first.principal_kind, number,
            text(first.principal), text(groups), device,
        ])  # fmt: skip
    return {
        "format": DATA_FORMAT,
        "accounts": [[text(name), text(account_ids[i])] for name, i in accounts.items()],
        "roles": [[acct, text(name), text(arn)] for arn, (acct, name) in roles.items()],
        "answers": encoded,
        "sets": [_runs(members) for members in sets],
        "principals": people,
        "strings": text.table(),
    }


def _runs(numbers: tuple[int, ...]) -> list[int]:
    """Sorted numbers as [start, length, start, length, …]."""
    out: list[int] = []
    for n in numbers:
        if out and out[-2] + out[-1] == n:
            out[-1] += 1
        else:
            out += [n, 1]
    return out


# -- the header -----------------------------------------------------------------------------------------
def _summary(counts: dict[str, int]) -> str:
    """Principals, roles and accounts, rows reached, without MFA, by escalation (counted as the rows came)."""
    c = counts
    return (
        f"{counted(c['principals'], 'principal')}, {counted(c['roles'], 'role')} in "
        f"{counted(c['accounts'], 'account')}: {c['reached']:,} reachable"
        + (f", <strong>{c['no_mfa']:,} without MFA</strong>" if c["no_mfa"] else "")
        + (f", <strong>{c['escalated']:,} by escalation</strong>" if c["escalated"] else "")
        + (f", {c['denied']:,} refused by an explicit Deny" if c["denied"] else "")
    )
