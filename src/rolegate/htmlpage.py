"""The shell of rolegate's self-contained pages (the launch page, the access page, the audit report): one
document with its style and script inline, and a Content-Security-Policy that lets the browser fetch nothing
at all, so a page opened from file:// or mailed around never reaches the network. And the few words the pages
share (a count, the snapshot's time)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from rolegate.safe_text import html_text as escape
from rolegate.words import counted

__all__ = ["counted", "data_document", "document", "json_for_html", "pinned_csp", "snapshot_taken"]

# -- a page whose script and style are pinned by hash, and which carries its data as JSON --------------
# The access page carries millions of answers as data and a script that renders them: the policy below lets
# the browser run exactly that script and apply exactly that style (by their SHA-256, as CSP Level 2 allows),
# nothing injected beside them even if a name ever slipped through, and still fetch nothing at all.


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def pinned_csp(style: str, script: str) -> str:
    """The Content-Security-Policy of a page with this one inline style and this one inline script."""
    return (
        f"default-src 'none'; style-src {_sha256(style)}; script-src {_sha256(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


# Inside <script type="application/json">, only `</script` (or `<!--`) can end the block early; escaping every
# <, > and & keeps any name from doing so, and U+2028/U+2029 are escaped for readers that take it as JS.
_JSON_IN_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def json_for_html(data: object) -> str:
    """`data` as JSON text that is inert inside a <script type="application/json"> block: ASCII only (so
    U+2028, U+2029 and every control character are \\u escapes), with <, > and & escaped too."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).translate(_JSON_IN_HTML)


def _page(title: str, csp: str, style: str, header: str, main: str, tail: str, script: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{escape(title)}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
{header}
</header>
<main>
{main}
</main>
{tail}<script>{script}</script>
</body>
</html>
"""


def document(title: str, style: str, header: str, main: str, script: str, after_main: str = "") -> str:
    """`header`, `main` and `after_main` are HTML already escaped by the caller; the title is escaped here.
    The policy pins this style and this script by hash."""
    return _page(title, pinned_csp(style, script), style, header, main, after_main, script)


def data_document(
    title: str, style: str, header: str, main: str, script: str, data: object, data_id: str = "page-data"
) -> str:
    """Like `document`, with `data` embedded once as JSON (read by the script with JSON.parse)."""
    tail = f'<script type="application/json" id="{escape(data_id)}">{json_for_html(data)}</script>\n'
    return _page(title, pinned_csp(style, script), style, header, main, tail, script)


def snapshot_taken(taken_at: str) -> str:
    """When the snapshot was taken, as HTML (`2026-12-04 21:00:00 UTC` for a UTC time, else as written)."""
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
