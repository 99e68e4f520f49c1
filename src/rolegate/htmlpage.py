"""The shell of rolegate's self-contained pages (the launch page, the access page): one document with its
style and script inline, and a Content-Security-Policy that lets the browser fetch nothing at all, so a page
opened from file:// or mailed around never reaches the network."""

from __future__ import annotations

import base64
import hashlib
import json

from rolegate.safe_text import html_text as escape

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def document(title: str, style: str, header: str, main: str, script: str, after_main: str = "") -> str:
    """`header` and `main` are HTML already escaped by the caller; the title is escaped here."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
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
{after_main}<script>{script}</script>
</body>
</html>
"""


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


def data_document(
    title: str, style: str, header: str, main: str, script: str, data: object, data_id: str = "page-data"
) -> str:
    """Like `document`, with `data` embedded once as JSON (read by the script with JSON.parse) and a policy
    that pins the style and the script by hash instead of allowing any inline one."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{pinned_csp(style, script)}">
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
<script type="application/json" id="{escape(data_id)}">{json_for_html(data)}</script>
<script>{script}</script>
</body>
</html>
"""
