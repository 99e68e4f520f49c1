"""A user's launch page: one self-contained HTML file with a card per role they can switch into.

Each card is one switch-role link, coloured like its account, saying what the console will show (the link's
own displayName, exactly), the account and its id, whether the role demands MFA and how long its sessions
last. The search box matches like fzf: every typed word must match the display name, the role, the account
or its id, in any order, as a prefix, a substring or a subsequence ("prod admin" finds administrator in
production); the best match comes first, ↑/↓ move, Enter opens. Roles used recently from this page come first;
they are remembered in localStorage as account/role names alone. Every file:// page shares that origin in
Chromium, so what is stored there is read as a hint only: strings equal to a card's key, at most 50.

Nothing is fetched: the style and the script are inline, pinned by their SHA-256 in a CSP that allows nothing
else (no other script, style, fetch, form or base), so the page works from file:// and offline; it carries
no secret (switch-role links hold only account ids and role names). Every name reaches the page through
html_text, and the script moves elements and reads data-* attributes only: no name is parsed as HTML.
"""

from __future__ import annotations

from rolegate.htmlpage import document
from rolegate.local.links import SIDE_BY_SIDE, SwitchRoleLink, signin_url, user_links
from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.safe_text import html_text as escape

_STYLE = """
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: #f6f7f9; color: #16191f; overflow-x: hidden; }
header { padding: 20px 32px 4px; max-width: 100%; }
h1 { margin: 0 0 4px; font-size: 22px; overflow-wrap: anywhere; }
header p { margin: 4px 0; color: #545b64; overflow-wrap: anywhere; }
header a { color: #0972d3; }
#search { margin: 12px 0 4px; width: min(520px, 100%); padding: 10px 12px; font-size: 16px;
          border: 1px solid #aab7b8; border-radius: 8px; }
#search:focus { outline: 3px solid #0972d3; outline-offset: 1px; }
#count { font-size: 13px; }
code { font-family: ui-monospace, monospace; font-size: 13px; }
kbd { font-family: ui-monospace, monospace; font-size: 12px; border: 1px solid #aab7b8; border-radius: 4px;
      padding: 0 4px; background: #fff; }
main { padding: 12px 32px 32px; }
#cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
.card { display: flex; flex-direction: column; gap: 2px; min-width: 0; padding: 12px 14px;
        border-radius: 10px; color: #16191f; text-decoration: none; box-shadow: 0 1px 3px rgba(0,0,0,.18);
        border: 2px solid transparent; }
.card:hover { border-color: rgba(22,25,31,.5); }
.card:focus, .card.selected { outline: 3px solid #16191f; outline-offset: 1px; }
.card.selected { border-color: #16191f; }
.card .display { font-weight: 700; font-size: 16px; overflow-wrap: anywhere; }
.card .role { font-family: ui-monospace, monospace; font-size: 14px; overflow-wrap: anywhere; }
.card .account { font-size: 13px; color: #2a2e33; overflow-wrap: anywhere; }
.card .facts { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; font-size: 12px; }
.card .facts span { background: rgba(255,255,255,.8); border-radius: 999px; padding: 1px 8px; }
.card .recent { font-size: 11px; color: #2a2e33; }
.empty { padding: 0 32px; color: #545b64; }
""" + "".join(f".c-{hex6} {{ background: #{hex6}; }}\n" for hex6 in naming.CONSOLE_PALETTE.values())

# fzf-like: every word of the query must match one field (prefix > word start > substring > subsequence);
# the sum of the best field scores orders the cards, then recent use, then file order.
_SCRIPT = """
'use strict';
const box = document.getElementById('search');
const list = document.getElementById('cards');
const none = document.getElementById('none');
const count = document.getElementById('count');
const cards = Array.from(list.querySelectorAll('.card'));
const STORE = 'rolegate.recent:' + list.dataset.page;
cards.forEach((card, i) => {
  card.order = i;
  card.fields = [card.dataset.display, card.dataset.role, card.dataset.account, card.dataset.id]
    .map(f => (f || '').toLowerCase());
});
function recentKeys() {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) || '[]');
    return Array.isArray(v) ? v.filter(k => typeof k === 'string').slice(0, 50) : [];
  } catch (e) { return []; }
}
function remember(card) {
  const keys = [card.dataset.key, ...recentKeys().filter(k => k !== card.dataset.key)].slice(0, 20);
  try { localStorage.setItem(STORE, JSON.stringify(keys)); } catch (e) { /* storage off: no memory */ }
}
function fieldScore(word, field) {
  if (field.startsWith(word)) return 4;
  const at = field.indexOf(word);
  if (at > 0) return /[^a-z0-9]/.test(field[at - 1]) ? 3 : 2;
  let i = 0, gaps = 0, last = -1;
  for (let j = 0; j < field.length && i < word.length; j++) {
    if (field[j] === word[i]) { if (last >= 0 && j > last + 1) gaps++; last = j; i++; }
  }
  return i === word.length ? 1 / (1 + gaps) : 0;
}
function score(card, words) {
  let total = 0;
  for (const word of words) {
    let best = 0;
    for (const field of card.fields) best = Math.max(best, fieldScore(word, field));
    if (best === 0) return 0;
    total += best;
  }
  return total;
}
let shown = [];
let selected = 0;
function unselect(card) { card.classList.remove('selected'); card.removeAttribute('aria-current'); }
function select(i) {
  if (shown[selected]) unselect(shown[selected]);
  selected = Math.max(0, Math.min(i, shown.length - 1));
  const card = shown[selected];
  if (!card) return;
  card.classList.add('selected');
  card.setAttribute('aria-current', 'true');
  card.scrollIntoView({block: 'nearest'});
}
function render() {
  const words = box.value.trim().toLowerCase().split(/\\s+/).filter(Boolean);
  const recent = recentKeys();
  const rank = k => { const r = recent.indexOf(k); return r < 0 ? recent.length : r; };
  const scored = cards.map(card => ({card, s: words.length ? score(card, words) : 1,
                                     r: rank(card.dataset.key)}));
  scored.sort((a, b) => (b.s - a.s) || (a.r - b.r) || (a.card.order - b.card.order));
  shown.forEach(unselect);
  const frag = document.createDocumentFragment();
  shown = [];
  for (const {card, s, r} of scored) {
    card.hidden = s === 0;
    card.querySelector('.recent').hidden = r >= recent.length;
    if (s > 0) shown.push(card);
    frag.appendChild(card);
  }
  list.appendChild(frag);
  none.hidden = shown.length > 0;
  count.textContent = shown.length + ' of ' + cards.length + (cards.length === 1 ? ' role' : ' roles');
  selected = 0;
  select(0);
}
function open(card, newTab) {
  if (!card) return;
  remember(card);
  if (newTab) window.open(card.href, '_blank', 'noopener');
  else window.location.assign(card.href);
}
box.addEventListener('input', render);
box.addEventListener('keydown', e => {
  if (e.key === 'ArrowDown') { e.preventDefault(); select(selected + 1); }
  else if (e.key === 'ArrowUp') { e.preventDefault(); select(selected - 1); }
  else if (e.key === 'Enter') { e.preventDefault(); open(shown[selected], e.ctrlKey || e.metaKey); }
  else if (e.key === 'Escape') { box.value = ''; render(); }
});
list.addEventListener('keydown', e => {
  const at = shown.indexOf(document.activeElement);
  if (at < 0) return;
  const step = {ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1}[e.key];
  if (!step) return;
  e.preventDefault();
  select(at + step);
  shown[selected].focus();
});
list.addEventListener('click', e => {
  const card = e.target.closest('.card');
  if (card) remember(card);
});
document.addEventListener('keydown', e => {
  if (e.key === '/' && document.activeElement !== box) { e.preventDefault(); box.focus(); box.select(); }
});
render();
"""


def _card(link: SwitchRoleLink) -> str:
    """One switch target; every name escaped once, here, and nothing the script needs is in its text."""
    key = f"{link.account}/{link.role}"
    mfa = "MFA required" if link.mfa else "no MFA"
    # A class per palette colour, not a style attribute: the page's CSP allows its one stylesheet only.
    colour = link.colour if link.colour in naming.CONSOLE_PALETTE.values() else ""
    return (
        f'<a class="card c-{escape(colour)}" href="{escape(link.url)}" data-key="{escape(key)}" '
        f'data-account="{escape(link.account)}" data-role="{escape(link.role)}" '
        f'data-display="{escape(link.display_name)}" data-id="{escape(link.account_id)}" '
        f'aria-label="Switch to {escape(link.role)} in {escape(link.account)} '
        f'({mfa}, {escape(link.max_session)})">'
        f'<span class="display">{escape(link.display_name)}</span>'
        f'<span class="role">{escape(link.role)}</span>'
        f'<span class="account">{escape(link.account)} · {escape(link.account_id)}</span>'
        f'<span class="facts"><span class="mfa">{mfa}</span>'
        f'<span class="session">sessions {escape(link.max_session)}</span></span>'
        '<span class="recent" hidden>used recently</span>'
        "</a>"
    )


def _with_code(text: str) -> str:
    """`quoted` parts of a sentence as <code>, every part escaped."""
    parts = text.split("`")
    return "".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p) for i, p in enumerate(parts))


def render_html(config: Config, user: str) -> str:
    org = config.organization.name
    links = user_links(config, user)
    signin = signin_url(config)
    title = f"{org} — switch role ({user})"
    anchor = f'<a id="signin" href="{escape(signin)}">{escape(signin)}</a>'
    header = (
        f"<p>Sign in first: {anchor}, then one click switches.</p>\n"
        f'<p id="side">{_with_code(SIDE_BY_SIDE)}</p>\n'
        '<input id="search" type="search" placeholder="Search: words in any order, like prod admin" '
        'aria-label="Search roles by account, role or display name" aria-controls="cards" '
        'autocomplete="off" spellcheck="false" autofocus>\n'
        '<p id="count" aria-live="polite"></p>\n'
        "<p><kbd>↑</kbd> <kbd>↓</kbd> move, <kbd>Enter</kbd> opens "
        "(<kbd>Ctrl</kbd>+<kbd>Enter</kbd>: a new tab), "
        "<kbd>/</kbd> searches, <kbd>Esc</kbd> clears.</p>"
    )
    cards = "\n".join(_card(link) for link in links)
    main = f'<div id="cards" data-page="{escape(f"{org}/{user}")}">\n{cards}\n</div>'
    after = '<p id="none" class="empty" hidden>No account or role matches.</p>\n'
    # The policy allows this style and this script alone, by their SHA-256: even a name that ever slipped
    # past escaping could neither run a script nor restyle the page.
    return document(title, _STYLE, header, main, _SCRIPT, after)
