"""The consoles rolegate prints through: rich's, with every string made safe for a terminal first.

rich strips a few control codes (BEL, BS, CR, VT, FF) from what it prints but passes ESC, NUL, DEL, the C1
controls (the 8-bit CSI U+009B among them) and every bidi override straight to the terminal, so a name read
from AWS or a snapshot could recolour, retitle or rewrite the reader's terminal. `render_str` is where rich
turns every printed string (table cells too) into text, so escaping there covers every command at once."""

from __future__ import annotations

from rich.console import Console, HighlighterType, JustifyMethod, OverflowMethod
from rich.style import Style
from rich.text import Text

from rolegate.safe_text import visible


class SafeConsole(Console):
    def render_str(
        self,
        text: str,
        *,
        style: str | Style = "",
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        emoji: bool | None = None,
        markup: bool | None = None,
        highlight: bool | None = None,
        highlighter: HighlighterType | None = None,
    ) -> Text:
        return super().render_str(
            visible(text),
            style=style,
            justify=justify,
            overflow=overflow,
            emoji=emoji,
            markup=markup,
            highlight=highlight,
            highlighter=highlighter,
        )
