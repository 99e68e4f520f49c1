"""Text rolegate shows to people, made safe for where it is shown: a terminal, an HTML page, a spreadsheet.

Names reach these from rolegate.yaml, from AWS (any IAM name, tag or account name another principal wrote),
from a snapshot file or an import. validate holds the file's names to names.py's alphabets, but what comes
from elsewhere is not validated, so each output layer makes text safe on its own:

- **Terminal** (`visible`): a control character (C0 but tab and newline in multi-line text, DEL, C1, among
  them ESC, which starts every terminal escape sequence, BEL and the 8-bit CSI U+009B) or an invisible Unicode
  format character (bidi embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069, U+061C, zero-width
  spaces and joiners U+200B-U+200F, U+2060-U+2064, U+FEFF, tag characters, soft hyphen), a line or paragraph
  separator, a surrogate or an unassigned code point is shown as its Python escape (`\\x1b`, `\\u202e`,
  `\\U000e0001`): the reader sees that it is there and what it is, and the terminal never acts on it. rich
  strips BEL, BS, CR, VT and FF on its own but passes ESC, NUL, DEL, C1 and every bidi control through, so
  the CLI's consoles call this on every string they print (cli/console.py). Escaping, not removing: a name
  that differs from another only by an invisible character must not look the same as it.
- **HTML** (`html_text`): the same visible escapes, then `html.escape` (quotes too), so a name cannot close
  an attribute or a tag and a bidi override cannot reorder the page's text.
- **CSV** (`csv_cell`): the same visible escapes first, one line: a CR or newline inside a cell splits the
  row in readers that do not honour quoting (and Python's own reader refuses a bare CR), and a person
  reading the sheet should see an invisible character as they would in the terminal. Then a cell that
  starts with `=`, `+`, `-`, `@`, tab or CR is a formula to Excel, LibreOffice and Google Sheets (CSV
  injection), so it gets a leading `'`, as OWASP advises; the cell still reads as the name to a person.
- JSON output needs nothing: `json.dumps` escapes every control character, and JSON is data, not display.
"""

from __future__ import annotations

import html
import unicodedata

_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_hidden(ch: str, *, one_line: bool = True) -> bool:
    """Whether a terminal (or a reader) would act on `ch` or not show it."""
    if ch in "\n\t" and not one_line:
        return False
    return unicodedata.category(ch) in _HIDDEN


def visible(text: str, *, one_line: bool = False) -> str:
    """`text` with every control and invisible character shown as its escape; the rest as it is.

    `one_line` escapes tab and newline too: for a name, which has neither, inside a line of output."""
    if text.isascii() and text.isprintable():
        return text  # the usual case, and the cheap one
    return "".join(_escape(ch) if is_hidden(ch, one_line=one_line) else ch for ch in text)


def html_text(text: str, quote: bool = True) -> str:
    """Text for an HTML page, between tags or inside a quoted attribute."""
    return html.escape(visible(text), quote=quote)


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text on one row, never evaluates as a formula."""
    text = visible(text, one_line=True)
    return "'" + text if text.startswith(_FORMULA_START) else text
