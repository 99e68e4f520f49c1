"""A user's launch page: one self-contained HTML file with a coloured tile per account and one click per role.

Nothing is fetched: styles and the search script are inline, so the page works from file:// and offline, and
it carries no secret (switch-role links hold only account ids and role names).
"""

from __future__ import annotations

from rolegate.htmlpage import document
from rolegate.local.links import SwitchRoleLink, signin_url, user_links
from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.safe_text import html_text as escape

_STYLE = """
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; background: #f6f7f9; color: #16191f; }
header { padding: 24px 32px 8px; }
h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 4px 0; color: #545b64; }
header a { color: #0972d3; }
#search { margin: 12px 0 4px; width: min(420px, 100%); padding: 10px 12px; font-size: 15px;
          border: 1px solid #aab7b8; border-radius: 8px; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 16px;
       padding: 16px 32px 32px; }
.tile { border-radius: 12px; padding: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
.tile h2 { margin: 0; font-size: 18px; }
.tile .id { font-family: ui-monospace, monospace; font-size: 13px; color: #2a2e33; }
.tile a.role { display: block; margin-top: 10px; padding: 9px 12px; border-radius: 8px;
               background: rgba(255,255,255,.75); color: #16191f; text-decoration: none; font-weight: 600; }
.tile a.role:hover, .tile a.role:focus { background: #fff; outline: 2px solid #16191f; }
.empty { padding: 0 32px; color: #545b64; }
"""

# The page may fetch nothing at all: inline style and script only, enforced by the browser itself.
_SCRIPT = """
const box = document.getElementById('search');
box.addEventListener('input', () => {
  const q = box.value.trim().toLowerCase();
  let shown = 0;
  for (const tile of document.querySelectorAll('.tile')) {
    const hit = !q || tile.dataset.search.includes(q);
    tile.hidden = !hit;
    if (hit) shown++;
  }
  document.getElementById('none').hidden = shown > 0;
});
"""


def _tile(account: str, links: list[SwitchRoleLink]) -> str:
    first = links[0]
    search = " ".join([account, first.account_id, *(link.role for link in links)]).lower()
    roles = "".join(
        f'<a class="role" href="{escape(link.url)}" data-role="{escape(link.role)}" '
        f'aria-label="Switch to {escape(link.role)} in {escape(account)}">{escape(link.role)}</a>'
        for link in links
    )
    return (
        f'<section class="tile" data-account="{escape(account)}" data-search="{escape(search)}" '
        f'style="background:#{first.colour}">'
        f'<h2>{escape(naming.display_name(account))}</h2><div class="id">{escape(first.account_id)}</div>'
        f"{roles}</section>"
    )


def render_html(config: Config, user: str) -> str:
    org = config.organization.name
    by_account: dict[str, list[SwitchRoleLink]] = {}
    for link in user_links(config, user):
        by_account.setdefault(link.account, []).append(link)
    tiles = "\n".join(_tile(account, links) for account, links in by_account.items())
    signin = signin_url(config)
    title = f"{org} — switch role ({user})"
    anchor = f'<a id="signin" href="{escape(signin)}">{escape(signin)}</a>'
    header = (
        f"<p>Sign in first: {anchor}, then one click switches.</p>\n"
        '<input id="search" type="search" placeholder="Filter accounts and roles" '
        'aria-label="Filter" autofocus>'
    )
    after = '<p id="none" class="empty" hidden>No account or role matches.</p>\n'
    return document(title, _STYLE, header, tiles, _SCRIPT, after)
