"""`rolegate access --format html`: who reaches what as one self-contained page, a matrix and a graph.

The matrix has a row per principal and a column per role (grouped by account, in the snapshot's account
order); the graph is inline SVG drawn here, principals on the left, each account's roles in a box on the
right, one line per reachable role. Nothing is fetched: style and script are inline and the page says so
in its Content-Security-Policy, so it works from file:// and offline. Every name in it is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rolegate.access.graph import Reach
from rolegate.htmlpage import document
from rolegate.safe_text import html_text as escape
from rolegate.state.snapshot import Snapshot

_STYLE = """
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; background: #f6f7f9; color: #16191f; }
header { padding: 24px 32px 8px; }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { margin: 0 0 10px; font-size: 18px; }
header p { margin: 4px 0; color: #545b64; }
#search { margin: 12px 0 4px; width: min(420px, 100%); padding: 10px 12px; font-size: 15px;
          border: 1px solid #aab7b8; border-radius: 8px; }
section.panel { margin: 16px 32px; padding: 16px; background: #fff; border-radius: 12px;
                box-shadow: 0 1px 3px rgba(0,0,0,.15); }
.legend { display: flex; flex-wrap: wrap; gap: 8px 18px; margin: 0 0 12px; padding: 0; list-style: none;
          color: #545b64; font-size: 13px; align-items: center; }
.legend li { display: flex; align-items: center; gap: 6px; }
.scroll { overflow: auto; max-height: 75vh; }
table { border-collapse: separate; border-spacing: 0; font-size: 14px; }
th, td { padding: 6px 10px; border-bottom: 1px solid #e9ebed; text-align: center; }
thead th { position: sticky; background: #fff; z-index: 2; font-weight: 600; }
thead tr.accounts th { top: 0; border-bottom: 0; box-sizing: border-box; height: 48px; }
thead tr.roles th { top: 47px; font-size: 13px; max-width: 130px; vertical-align: bottom;
                    border-bottom: 2px solid #aab7b8; }
thead th.account { border-left: 2px solid #d5dbdb; }
thead th.account .id, th.principal .acct { display: block; font-family: ui-monospace, monospace;
                                           font-size: 12px; font-weight: 400; color: #545b64; }
thead tr.accounts th.corner { left: 0; z-index: 3; text-align: left; vertical-align: bottom;
                              border-bottom: 2px solid #aab7b8; }
tbody th.principal { position: sticky; left: 0; background: #fff; text-align: left; z-index: 1;
                     white-space: nowrap; }
td.first { border-left: 2px solid #d5dbdb; }
td.cell { white-space: nowrap; min-width: 92px; }
.badge { display: inline-block; padding: 3px 8px; border-radius: 6px; font-size: 13px; font-weight: 600; }
.badge.mfa { background: #e9f5e1; color: #1d6b0b; }
.badge.nomfa { background: #fde4e1; color: #b1210c; outline: 1px solid #f2b0a9; }
.badge.cond { background: #fdf3cf; color: #7a5b00; outline: 1px solid #efda95; }
tbody tr:hover th, tbody tr:hover td { background: #f2f8fd; }
.empty { padding: 0 32px; color: #545b64; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #16191f; }
svg .sub { fill: #545b64; font-size: 11px; font-family: ui-monospace, monospace; }
svg .node rect { fill: #fff; stroke: #aab7b8; }
svg .principal { cursor: pointer; }
svg .principal rect { fill: #f2f8fd; stroke: #0972d3; }
svg .principal.lit rect { fill: #d1e8fb; stroke-width: 2; }
svg .box { fill: #f6f7f9; stroke: #d5dbdb; }
svg .edge, svg .key { fill: none; stroke-width: 1.6; opacity: .8; }
svg .mfa { stroke: #1d8102; }
svg .nomfa { stroke: #d13212; stroke-dasharray: 7 4; }
svg .cond { stroke: #c79200; stroke-dasharray: 1.5 4; stroke-linecap: round; stroke-width: 2.4; }
svg .edge:hover, svg .edge.lit { stroke-width: 3.2; opacity: 1; }
svg .faded, svg.focus .edge:not(.lit) { opacity: .08; }
"""

# The page may fetch nothing at all: inline style and script only, enforced by the browser itself.
_SCRIPT = """
const box = document.getElementById('search');
box.addEventListener('input', () => {
  const q = box.value.trim().toLowerCase();
  let shown = 0;
  for (const row of document.querySelectorAll('#matrix tbody tr')) {
    const hit = !q || row.dataset.search.includes(q);
    row.hidden = !hit;
    if (hit) shown++;
  }
  for (const item of document.querySelectorAll('#graph [data-search]')) {
    item.classList.toggle('faded', Boolean(q) && !item.dataset.search.includes(q));
  }
  document.getElementById('none').hidden = shown > 0;
});
const svg = document.getElementById('reach-graph');
for (const node of document.querySelectorAll('#graph .principal')) {
  const light = on => {
    svg.classList.toggle('focus', on);
    node.classList.toggle('lit', on);
    for (const edge of svg.querySelectorAll('.edge')) {
      edge.classList.toggle('lit', on && edge.dataset.principalArn === node.dataset.principalArn);
    }
  };
  node.addEventListener('mouseenter', () => light(true));
  node.addEventListener('mouseleave', () => light(false));
}
"""

# Graph geometry, in SVG user units (pixels at 100%).
_WIDTH = 920
_TOP = 16
_P_X, _P_W, _P_H = 12, 240, 34  # principal nodes: left column
_A_X, _A_W = 580, 328  # account boxes: right column
_A_HEAD, _A_PAD, _A_GAP = 40, 8, 16
_R_H, _R_PITCH = 24, 30  # role nodes inside a box
# Rough widths of one character, to cut long names before they overflow their box (no text metrics here).
_CHAR, _BOLD = 7.6, 9.0  # 13px, 14px bold
_MONO = 6.8  # 11px monospace


@dataclass(frozen=True)
class _Column:
    account: str
    account_id: str
    role: str
    role_arn: str


@dataclass(frozen=True)
class _Principal:
    arn: str
    name: str
    account: str


def render_access_html(snapshot: Snapshot, rows: list[Reach]) -> str:
    principals = _principals(rows)
    columns = _columns(snapshot, rows)
    reached = [r for r in rows if r.reachable != "no"]
    escalated = sum(1 for r in reached if getattr(r, "escalation", False))
    no_mfa = sum(1 for r in reached if r.reachable == "yes" and r.mfa_required is False)
    accounts = len({c.account for c in columns})
    summary = (
        f"{_plural(len(principals), 'principal')}, {_plural(len(columns), 'role')} in "
        f"{_plural(accounts, 'account')}: {len(reached)} reachable"
        + (f", <strong>{no_mfa} without MFA</strong>" if no_mfa else "")
        + (f", <strong>{escalated} by escalation</strong>" if escalated else "")
    )
    org = f" · organization {escape(snapshot.organization_id)}" if snapshot.organization_id else ""
    if reached:
        body = f"""<section class="panel" id="matrix" aria-labelledby="matrix-title">
<h2 id="matrix-title">Matrix</h2>
{_LEGEND_CELLS}
<div class="scroll">
{_matrix(principals, columns, rows)}
</div>
<p id="none" class="empty" hidden>No principal matches.</p>
</section>
<section class="panel" id="graph" aria-labelledby="graph-title">
<h2 id="graph-title">Graph</h2>
{_LEGEND_EDGES}
{_svg(principals, columns, reached)}
</section>"""
    else:
        body = '<p class="empty">Nobody reaches any role here.</p><p id="none" hidden></p>'
    title = "rolegate — who can reach what"
    header = f"""<p id="taken">{_taken(snapshot.taken_at)}{org}</p>
<p>{summary}</p>
<input id="search" type="search" placeholder="Filter principals" aria-label="Filter principals" autofocus>"""
    return document(title, _STYLE, header, body, _SCRIPT)


_LEGEND_CELLS = (
    '<ul class="legend"><li><span class="badge mfa">✓ MFA</span> reachable, MFA required</li>'
    '<li><span class="badge nomfa">✓ no MFA</span> reachable with long-term keys alone</li>'
    '<li><span class="badge nomfa">⚠ escalation</span> reachable once they change their own access</li>'
    '<li><span class="badge cond">? conditional</span> depends on conditions (hover for them)</li>'
    "<li>empty: not reachable</li></ul>"
)
_LEGEND_EDGES = (
    '<ul class="legend"><li><svg width="40" height="10" aria-hidden="true"><path class="key mfa" '
    'd="M2 5H38"/></svg> MFA required</li><li><svg width="40" height="10" aria-hidden="true">'
    '<path class="key nomfa" d="M2 5H38"/></svg> no MFA</li><li><svg width="40" height="10" '
    'aria-hidden="true"><path class="key cond" d="M2 5H38"/></svg> conditional</li>'
    "<li>hover a principal to see only its lines</li></ul>"
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _taken(taken_at: str) -> str:
    if not taken_at:
        return "Snapshot time unknown"
    shown = taken_at
    try:
        when = dt.datetime.fromisoformat(taken_at)
    except ValueError:
        pass
    else:
        if when.utcoffset() == dt.timedelta(0):
            shown = when.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f'Snapshot taken <time datetime="{escape(taken_at)}">{escape(shown)}</time>'


def _principals(rows: Iterable[Reach]) -> list[_Principal]:
    seen: dict[str, _Principal] = {}
    for r in rows:
        seen.setdefault(r.principal, _Principal(r.principal, r.principal_name, r.principal_account))
    return list(seen.values())


def _columns(snapshot: Snapshot, rows: Iterable[Reach]) -> list[_Column]:
    """Every (account, role) pair in the rows: accounts in the snapshot's order, roles by name within."""
    order = {name: i for i, name in enumerate(snapshot.accounts)}
    found = {r.role_arn: _Column(r.account, r.account_id, r.role, r.role_arn) for r in rows}
    return sorted(found.values(), key=lambda c: (order.get(c.account, len(order)), c.account, c.role.lower()))


def _groups(columns: list[_Column]) -> list[list[_Column]]:
    out: list[list[_Column]] = []
    for column in columns:
        if out and out[-1][0].account == column.account:
            out[-1].append(column)
        else:
            out.append([column])
    return out


def _search(p: _Principal) -> str:
    return escape(f"{p.name} {p.account}".lower())


def _attr(text: str) -> str:
    """A title attribute's value: escaped, with line breaks kept as character references."""
    return escape(text).replace("\n", "&#10;")


def _breakable(name: str) -> str:
    """A role name that may wrap between its words: OrganizationAccountAccessRole, data_lake-admin."""
    parts = re.split(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[_\-.])", name)
    return "<wbr>".join(escape(part) for part in parts)


def _explain(r: Reach) -> str:
    lines = [f"{r.principal_name} ({r.principal_account}) → {r.role} in {r.account} {r.account_id}"]
    if r.reachable == "no":
        lines.append("not reachable")
    elif getattr(r, "escalation", False):
        lines.append("BY ESCALATION: no policy lets them in as they are; they may change their own access")
    else:
        lines.append("MFA required" if r.mfa_required else "NO MFA needed: long-term keys are enough")
    if r.conditions:
        lines.append("only if:")
        lines += [f"  {c}" for c in r.conditions]
    if getattr(r, "escalation", False):
        lines.append("steps:")
        lines += [f"  {n}. {step}" for n, step in enumerate(r.via, 1)]
    elif r.via:
        lines.append("via: " + " → ".join(r.via) + f" → {r.role_arn}")
    if r.why:
        lines.append("allowed by:")
        lines += [f"  {w}" for w in r.why]
    return "\n".join(lines)


def _badge(r: Reach) -> str:
    if getattr(r, "escalation", False):
        return '<span class="badge nomfa">⚠ escalation</span>'
    if r.reachable == "conditional":
        return '<span class="badge cond">? conditional</span>'
    if r.reachable == "yes":
        if r.mfa_required:
            return '<span class="badge mfa">✓ MFA</span>'
        return '<span class="badge nomfa">✓ no MFA</span>'
    return ""


def _matrix(principals: list[_Principal], columns: list[_Column], rows: list[Reach]) -> str:
    by_cell = {(r.principal, r.role_arn): r for r in rows}
    groups = _groups(columns)
    head_accounts = "".join(
        f'<th class="account" colspan="{len(g)}" scope="colgroup">{escape(g[0].account)}'
        f'<span class="id">{escape(g[0].account_id)}</span></th>'
        for g in groups
    )
    head_roles = "".join(
        f'<th scope="col" title="{escape(c.role_arn)}"{" class=account" if i == 0 else ""}>'
        f"{_breakable(c.role)}</th>"
        for g in groups
        for i, c in enumerate(g)
    )
    firsts = {g[0].role_arn for g in groups}
    body: list[str] = []
    for p in principals:
        cells: list[str] = []
        for c in columns:
            r = by_cell.get((p.arn, c.role_arn))
            mfa = "" if r is None or r.reachable == "no" else str(r.mfa_required).lower()
            reachable = "no" if r is None else r.reachable
            title = (
                _explain(r)
                if r is not None
                else f"{p.name} ({p.account}) cannot reach {c.role} in {c.account}"
            )
            classes = "cell first" if c.role_arn in firsts else "cell"
            cells.append(
                f'<td class="{classes}" data-principal="{escape(p.name)}" data-account="{escape(c.account)}" '
                f'data-role="{escape(c.role)}" data-reachable="{escape(reachable)}" data-mfa="{mfa}" '
                f'title="{_attr(title)}">{_badge(r) if r is not None else ""}</td>'
            )
        body.append(
            f'<tr data-principal="{escape(p.name)}" data-principal-arn="{escape(p.arn)}" '
            f'data-search="{_search(p)}"><th class="principal" scope="row" title="{escape(p.arn)}">'
            f'{escape(p.name)}<span class="acct">{escape(p.account)}</span></th>{"".join(cells)}</tr>'
        )
    return (
        '<table><thead><tr class="accounts"><th class="corner" rowspan="2" scope="col">principal</th>'
        f'{head_accounts}</tr><tr class="roles">{head_roles}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody></table>"
    )


def _fit(text: str, width: float, char: float = _CHAR) -> str:
    most = max(4, int(width / char))
    return text if len(text) <= most else text[: most - 1] + "…"


def _svg(principals: list[_Principal], columns: list[_Column], reached: list[Reach]) -> str:
    parts: list[str] = []
    role_y: dict[str, float] = {}
    y = float(_TOP)
    for group in _groups(columns):
        first = group[0]
        box_h = _A_HEAD + len(group) * _R_PITCH + _A_PAD - (_R_PITCH - _R_H)
        parts.append(
            f'<g class="account" data-account="{escape(first.account)}">'
            f'<rect class="box" x="{_A_X}" y="{y:.0f}" width="{_A_W}" height="{box_h}" rx="10"/>'
            f'<text x="{_A_X + 12}" y="{y + 18:.0f}" font-size="14" font-weight="600">'
            f"{escape(_fit(first.account, _A_W - 130, _BOLD))}</text>"
            f'<text class="sub" x="{_A_X + _A_W - 12}" y="{y + 18:.0f}" text-anchor="end">'
            f"{escape(first.account_id)}</text>"
        )
        for i, c in enumerate(group):
            ry = y + _A_HEAD - 8 + i * _R_PITCH
            role_y[c.role_arn] = ry + _R_H / 2
            parts.append(
                f'<g class="node role" data-role-arn="{escape(c.role_arn)}">'
                f"<title>{escape(c.role_arn)}</title>"
                f'<rect x="{_A_X + 12}" y="{ry:.0f}" width="{_A_W - 24}" height="{_R_H}" rx="6"/>'
                f'<text x="{_A_X + 22}" y="{ry + 16:.0f}" font-size="13">'
                f"{escape(_fit(c.role, _A_W - 44))}</text>"
                "</g>"
            )
        parts.append("</g>")
        y += box_h + _A_GAP
    roles_h = y - _A_GAP - _TOP
    pitch = _P_H + 10.0
    if principals:
        pitch = min(max(pitch, roles_h / len(principals)), 3.0 * _P_H)
    principals_h = pitch * len(principals)
    height = max(roles_h, principals_h) + 2 * _TOP
    p_top = _TOP + (height - 2 * _TOP - principals_h) / 2
    principal_y: dict[str, float] = {}
    nodes: list[str] = []
    for i, p in enumerate(principals):
        cy = p_top + (i + 0.5) * pitch
        shown = p.account if len(p.account) <= 14 else p.account[:13] + "…"
        principal_y[p.arn] = cy
        nodes.append(
            f'<g class="node principal" data-principal="{escape(p.name)}" '
            f'data-principal-arn="{escape(p.arn)}" data-search="{_search(p)}"><title>{escape(p.arn)}</title>'
            f'<rect x="{_P_X}" y="{cy - _P_H / 2:.1f}" width="{_P_W}" height="{_P_H}" rx="8"/>'
            f'<text x="{_P_X + 12}" y="{cy + 5:.1f}" font-size="14" font-weight="600">'
            f"{escape(_fit(p.name, _P_W - 34 - _MONO * len(shown), _BOLD))}</text>"
            f'<text class="sub" x="{_P_X + _P_W - 10}" y="{cy + 4:.1f}" text-anchor="end">'
            f"{escape(shown)}</text></g>"
        )
    edges: list[str] = []
    x0, x1 = _P_X + _P_W, _A_X + 12
    mid = (x0 + x1) / 2
    search = {p.arn: _search(p) for p in principals}
    for r in reached:
        y0, y1 = principal_y[r.principal], role_y[r.role_arn]
        kind = "cond" if r.reachable == "conditional" else ("mfa" if r.mfa_required else "nomfa")
        edges.append(
            f'<path class="edge {kind}" data-principal="{escape(r.principal_name)}" '
            f'data-principal-arn="{escape(r.principal)}" data-role-arn="{escape(r.role_arn)}" '
            f'data-reachable="{escape(r.reachable)}" data-mfa="{str(r.mfa_required).lower()}" '
            f'data-search="{search[r.principal]}" '
            f'd="M{x0} {y0:.1f}C{mid:.0f} {y0:.1f} {mid:.0f} {y1:.1f} {x1} {y1:.1f}">'
            f"<title>{escape(_explain(r))}</title></path>"
        )
    return (
        f'<svg id="reach-graph" xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {_WIDTH} {height:.0f}" role="img" aria-label="Who reaches which role">\n'
        + "\n".join(parts)
        + '\n<g class="edges">\n'
        + "\n".join(edges)
        + "\n</g>\n"
        + "\n".join(nodes)
        + "\n</svg>"
    )
