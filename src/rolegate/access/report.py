"""`rolegate audit --format html`: the findings as one self-contained report page a reviewer works through.

Findings come grouped by check (most severe first), each with its account, resource, where rolegate.yaml
declares it (file:line:column, when it does), its fix and the commands that fix it, each with a copy button.
The reviewer filters by severity, account, check and free text, and groups by check, account or severity;
the script only shows, hides and moves what the page already holds, so the page reads without it too.

The page fetches nothing and runs and applies only its own script and style (the htmlpage shell's policy,
which pins both by SHA-256), and every name in it is escaped:
account names, ARNs, messages and commands come from a snapshot, which nothing validated. At 500 accounts
(about 12,000 findings) the groups start closed, so the browser lays out only their headings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rolegate.access.audit import RULES, SEVERITIES, Finding
from rolegate.access.sarif import locate
from rolegate.htmlpage import counted, data_document, snapshot_taken
from rolegate.model.load import Loaded
from rolegate.safe_text import html_text as escape

# The first groups start open while they hold this many findings in all; the rest show their headings only
# until one is opened (the browser lays out nothing inside a closed <details>).
OPEN_UP_TO = 300
GROUPINGS = ("rule", "account", "severity")  # what the page groups by; the first is the default

_STYLE = """
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #16191f; }
header { padding: 24px 32px 8px; }
h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 4px 0; color: #545b64; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px;
       overflow-wrap: anywhere; }
.controls { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; margin: 12px 0 4px; }
.controls label { display: flex; align-items: center; gap: 6px; font-size: 14px; color: #414750; }
.controls select, #search { font-size: 14px; padding: 7px 9px; border: 1px solid #aab7b8; border-radius: 8px;
                            background: #fff; max-width: 100%; }
#search { width: min(360px, 100%); }
#check { max-width: min(420px, 100%); }
fieldset.severities { display: flex; flex-wrap: wrap; gap: 6px; border: 0; margin: 0; padding: 0; }
fieldset.severities legend { position: absolute; left: -9999px; }
.sev-toggle { cursor: pointer; user-select: none; border-radius: 999px; padding: 4px 10px;
              border: 1px solid #d5dbdb; background: #fff; font-weight: 600; font-size: 13px; }
.sev-toggle input { margin: 0 4px 0 0; }
.sev { display: inline-block; min-width: 76px; text-align: center; padding: 2px 8px; border-radius: 6px;
       font-size: 12px; font-weight: 700; letter-spacing: .02em; }
.sev.CRITICAL { background: #b1210c; color: #fff; }
.sev.HIGH { background: #fde4e1; color: #8c1b0a; outline: 1px solid #f2b0a9; }
.sev.MEDIUM { background: #fdf3cf; color: #6b4f00; outline: 1px solid #efda95; }
.sev.LOW { background: #eef0f2; color: #414750; outline: 1px solid #d5dbdb; }
#shown { font-size: 14px; color: #414750; }
main { padding: 0 32px 32px; }
details.group { margin: 12px 0; background: #fff; border-radius: 12px;
                box-shadow: 0 1px 3px rgba(0,0,0,.15); }
details.group > summary { cursor: pointer; padding: 12px 16px; font-size: 16px; font-weight: 600;
                          display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
summary .count { color: #545b64; font-weight: 400; font-size: 14px; }
ol.findings { list-style: none; margin: 0; padding: 0 16px 8px; }
li.finding { border-top: 1px solid #e9ebed; padding: 12px 0; min-width: 0; }
.top { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; }
.rule { font-family: ui-monospace, monospace; font-size: 13px; color: #414750; }
.title { font-weight: 600; }
.msg { margin: 6px 0; overflow-wrap: anywhere; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 6px 0;
          font-size: 13px; color: #414750; }
dl.meta dt { color: #687078; }
dl.meta dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.fix { margin: 6px 0 4px; overflow-wrap: anywhere; }
.fix b { color: #1d6b0b; }
.cmd { display: flex; gap: 8px; align-items: flex-start; margin: 4px 0; max-width: 100%; }
.cmd pre { flex: 1 1 auto; min-width: 0; margin: 0; background: #16191f; color: #f6f7f9; padding: 6px 10px;
           border-radius: 6px; white-space: pre-wrap; max-height: 12em; overflow-y: auto; }
button.copy { flex: none; font-size: 13px; padding: 5px 10px; border-radius: 6px; border: 1px solid #0972d3;
              background: #fff; color: #0972d3; cursor: pointer; }
button.copy.done { background: #0972d3; color: #fff; }
.empty { color: #545b64; }
"""

# Filtering hides rows and empty groups; grouping moves the rows into new groups, in order of first
# appearance (the findings are sorted most severe first, so the worst group leads). Names are set with
# textContent, never as HTML.
_SCRIPT = """
const root = document.getElementById('findings');
const all = Array.from(root.querySelectorAll('li.finding'));
const search = document.getElementById('search');
const account = document.getElementById('account');
const check = document.getElementById('check');
const grouping = document.getElementById('group');
const boxes = Array.from(document.querySelectorAll('input[name=severity]'));
const OPEN_UP_TO = JSON.parse(document.getElementById('audit-data').textContent).open_up_to;
const count = n => n.toLocaleString('en-US');
let texts = null;  // each finding's text, lower case, made at the first search
const LABELS = {
  rule: li => li.dataset.rule + ' ' + li.querySelector('.title').textContent,
  account: li => li.querySelector('.acct').textContent,
  severity: li => li.dataset.severity,
};
function applyFilters() {
  const q = search.value.trim().toLowerCase().split(/\\s+/).filter(Boolean);
  if (q.length && !texts) texts = all.map(li => li.textContent.toLowerCase());
  const severities = new Set(boxes.filter(b => b.checked).map(b => b.value));
  let shown = 0;
  all.forEach((li, i) => {
    const d = li.dataset;
    const hit = severities.has(d.severity) && (!account.value || d.account === account.value)
      && (!check.value || d.rule === check.value) && q.every(w => texts[i].includes(w));
    li.hidden = !hit;
    if (hit) shown++;
  });
  for (const group of root.querySelectorAll('details.group')) {
    const n = group.querySelectorAll('li.finding:not([hidden])').length;
    group.hidden = n === 0;
    group.querySelector('.count').textContent = n === 1 ? '1 finding' : count(n) + ' findings';
    if (shown <= OPEN_UP_TO && n) group.open = true;
  }
  document.getElementById('shown').textContent = count(shown) + ' of ' + count(all.length) + ' shown';
  document.getElementById('none').hidden = shown > 0;
}
function regroup() {
  const by = grouping.value;
  const groups = new Map();
  for (const li of all) {
    const key = li.dataset[by];
    if (!groups.has(key)) groups.set(key, {label: LABELS[by](li), items: []});
    groups.get(key).items.push(li);
  }
  const made = [];
  let budget = OPEN_UP_TO;
  for (const [key, g] of groups) {
    const group = document.createElement('details');
    group.className = 'group';
    group.dataset.key = key;
    group.open = g.items.length <= budget;
    if (group.open) budget -= g.items.length; else budget = 0;
    const summary = document.createElement('summary');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = g.label;
    const count = document.createElement('span');
    count.className = 'count';
    summary.append(name, count);
    const list = document.createElement('ol');
    list.className = 'findings';
    list.append(...g.items);
    group.append(summary, list);
    made.push(group);
  }
  root.replaceChildren(...made);
  applyFilters();
}
function copied(button) {
  button.textContent = 'Copied';
  button.classList.add('done');
  setTimeout(() => { button.textContent = 'Copy'; button.classList.remove('done'); }, 1500);
}
function copyByHand(text) {
  const area = document.createElement('textarea');
  area.value = text;
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}
root.addEventListener('click', event => {
  const button = event.target.closest('button.copy');
  if (!button) return;
  const text = button.parentElement.querySelector('code').textContent;
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(
      () => copied(button), () => { copyByHand(text); copied(button); });
  } else {
    copyByHand(text);
    copied(button);
  }
});
for (const input of [search, account, check, ...boxes]) input.addEventListener('input', applyFilters);
grouping.addEventListener('change', regroup);
applyFilters();
"""


@dataclass(frozen=True)
class _Row:
    finding: Finding
    where: str  # "rolegate.yaml:12:3 (roles.administrator)", or ""


def render_audit_html(
    findings: list[Finding],
    *,
    taken_at: str = "",
    loaded: Loaded | None = None,
    config_name: str = "rolegate.yaml",
) -> str:
    """The report page for `findings` (in audit()'s order: most severe first). `loaded` is rolegate.yaml as
    read, to say where each finding's resource is declared; `config_name` is how the page names that file."""
    rows = [_Row(f, _where(f, loaded, config_name)) for f in findings]
    accounts = _first_seen((f.account, f"{f.account} {f.account_id}".strip()) for f in findings)
    in_accounts = sum(1 for name, _ in accounts if name != "local")  # "local": the AWS config file
    header = f"""<p id="taken">{snapshot_taken(taken_at)}</p>
<p id="summary">{_summary(findings, in_accounts)}</p>
<div class="controls">
<fieldset class="severities"><legend>Severity</legend>{_severity_boxes(findings)}</fieldset>
<input id="search" type="search" placeholder="Filter: account, resource, message, user"
 aria-label="Filter findings">
<label>Account <select id="account">{_options("every account", accounts)}</select></label>
<label>Check <select id="check">{_options("every check", _checks(findings))}</select></label>
<label>Group by <select id="group">{_grouping_options()}</select></label>
<span id="shown" aria-live="polite"></span>
</div>"""
    grouped = _grouped(rows, _by_rule)
    opened = _opened([len(items) for _, _, items in grouped])
    groups = "".join(_group(*group, is_open) for group, is_open in zip(grouped, opened, strict=True))
    none = '<p id="none" class="empty" hidden>No finding matches.</p>'
    if not findings:
        none = '<p id="none" class="empty">No findings.</p>'
    main = f'<div id="findings">{groups}</div>\n{none}'

    # The policy pins this page's one style and one script by hash: nothing else could run or restyle it.
    data = {"open_up_to": OPEN_UP_TO}
    return data_document("rolegate audit", _STYLE, header, main, _SCRIPT, data, "audit-data")


def _where(finding: Finding, loaded: Loaded | None, config_name: str) -> str:
    declared = locate(finding, loaded) if loaded is not None else None
    if declared is None:
        return ""
    return f"{declared.label(config_name)} ({declared.path})"


def _summary(findings: list[Finding], accounts: int) -> str:
    if not findings:
        return "No findings."
    counts = [(s, sum(f.severity == s for f in findings)) for s in reversed(SEVERITIES)]
    said = ", ".join(f"{n:,} {s.lower()}" for s, n in counts if n)
    return f"{counted(len(findings), 'finding')} in {counted(accounts, 'account')}: {said}"


def _severity_boxes(findings: list[Finding]) -> str:
    out = []
    for severity in reversed(SEVERITIES):
        n = sum(f.severity == severity for f in findings)
        out.append(
            f'<label class="sev-toggle"><input type="checkbox" name="severity" value="{severity}" checked>'
            f'<span class="sev {severity}">{severity}</span>&nbsp;{n:,}</label>'
        )
    return "".join(out)


def _checks(findings: list[Finding]) -> list[tuple[str, str]]:
    seen = {f.rule for f in findings}
    return [(rule, f"{rule} {RULES[rule].title}") for rule in sorted(seen)]


def _options(every: str, choices: Iterable[tuple[str, str]]) -> str:
    return f'<option value="">{escape(every)}</option>' + "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices
    )


def _grouping_options() -> str:
    labels = {"rule": "check", "account": "account", "severity": "severity"}
    return "".join(f'<option value="{g}">{labels[g]}</option>' for g in GROUPINGS)


def _first_seen(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each key once, with its first label, in the order first seen."""
    out: dict[str, str] = {}
    for key, label in pairs:
        out.setdefault(key, label)
    return list(out.items())


# -- grouping (the page's default, by check; the script regroups with the same rule) ----------------------


def _by_rule(f: Finding) -> tuple[str, str]:
    return f.rule, f"{f.rule} {RULES[f.rule].title}"


def _grouped(
    rows: list[_Row], key: Callable[[Finding], tuple[str, str]]
) -> list[tuple[str, str, list[_Row]]]:
    """Groups in order of first appearance: the findings are most severe first, so the worst group leads."""
    groups: dict[str, tuple[str, list[_Row]]] = {}
    for row in rows:
        k, label = key(row.finding)
        groups.setdefault(k, (label, []))[1].append(row)
    return [(k, label, items) for k, (label, items) in groups.items()]


def _opened(sizes: list[int]) -> list[bool]:
    """Which groups start open: the first ones, while they hold OPEN_UP_TO findings in all (as the script's
    regroup does)."""
    budget, out = OPEN_UP_TO, []
    for size in sizes:
        out.append(size <= budget)
        budget = budget - size if size <= budget else 0
    return out


def _group(key: str, label: str, rows: list[_Row], is_open: bool) -> str:
    opened = " open" if is_open else ""
    items = "".join(_finding(row) for row in rows)
    return (
        f'<details class="group" data-key="{escape(key)}"{opened}><summary><span class="name">{escape(label)}'
        f'</span><span class="count">{counted(len(rows), "finding")}</span></summary>'
        f'<ol class="findings">{items}</ol></details>'
    )


def _finding(row: _Row) -> str:
    f = row.finding
    title = RULES[f.rule].title
    account = f"{f.account} {f.account_id}".strip()
    data = {"severity": f.severity, "account": f.account, "rule": f.rule}
    attributes = " ".join(f'data-{name}="{escape(value)}"' for name, value in data.items())
    where = f"<dt>in the file</dt><dd><code>{escape(row.where)}</code></dd>" if row.where else ""
    commands = _commands(f.commands)
    return (
        f'<li class="finding" id="{escape(f.id)}" {attributes}><div class="top"><span class="sev '
        f'{escape(f.severity)}">{escape(f.severity)}</span><span class="rule">{escape(f.rule)}</span>'
        f'<span class="title">{escape(title)}</span></div><p class="msg">{escape(f.message)}</p>'
        '<dl class="meta"><dt>account</dt><dd>'
        f'<span class="acct">{escape(account)}</span></dd><dt>resource</dt><dd><code>'
        f"{escape(f.resource)}</code></dd>{where}<dt>id</dt><dd><code>{escape(f.id)}</code></dd></dl>"
        f'<p class="fix"><b>Fix:</b> {escape(f.fix)}</p>{commands}</li>'
    )


def _commands(lines: tuple[str, ...]) -> str:
    """The finding's commands, one a line, and one button that copies exactly the text shown (a shell
    pasted into runs them in turn)."""
    if not lines:
        return ""
    text = "\n".join(escape(line) for line in lines)
    return (
        f'<div class="cmd"><pre><code>{text}</code></pre>'
        '<button type="button" class="copy" aria-label="Copy the commands">Copy</button></div>'
    )
