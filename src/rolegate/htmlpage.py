"""The shell of rolegate's self-contained pages (the launch page, the access page): one document with its
style and script inline, and a Content-Security-Policy that lets the browser fetch nothing at all, so a page
opened from file:// or mailed around never reaches the network."""

from __future__ import annotations

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
