"""What a command needs from the outside world, in one object: tests drive commands in-process with it."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from rolegate.cli.console import SafeConsole


@dataclass
class Env:
    config_path: Path = Path("rolegate.yaml")
    profile: str | None = None
    verbose: int = 0
    no_color: bool = False
    out: Console = field(init=False)
    err: Console = field(init=False)

    def __post_init__(self) -> None:
        self._consoles()

    def update(self, **values: Any) -> None:
        """Options given after the command name override those given before it."""
        for key, value in values.items():
            setattr(self, key, value)
        self._consoles()

    def _consoles(self) -> None:
        no_color = self.no_color or bool(os.environ.get("NO_COLOR"))
        # Colours only on a terminal: rich decides per stream; NO_COLOR and --no-color switch them off.
        # SafeConsole: every string printed is made safe for a terminal first (names come from AWS too).
        options: dict[str, Any] = {"no_color": no_color, "highlight": False, "soft_wrap": True}
        options["emoji"] = False
        self.out = SafeConsole(file=sys.stdout, **options)
        self.err = SafeConsole(file=sys.stderr, **options)

    @property
    def interactive(self) -> bool:
        return sys.stdin.isatty() and sys.stdout.isatty()

    @property
    def stdout_is_tty(self) -> bool:
        return sys.stdout.isatty()

    def print(self, *objects: Any, **kwargs: Any) -> None:
        self.out.print(*objects, **kwargs)

    def note(self, *objects: Any, **kwargs: Any) -> None:
        """Progress and side remarks: stderr, so stdout stays data."""
        self.err.print(*objects, **kwargs)


def no_secrets_on_a_terminal(show: bool, how: str) -> None:
    """Refuses to print secret keys onto a terminal (they stay on screen and in its scrollback) unless the
    user passed --show; `how` says the way meant for them (a pipe, `eval`)."""
    from rolegate.errors import RolegateError

    if sys.stdout.isatty() and not show:
        raise RolegateError(
            "this prints secret keys, and standard output is a terminal: they would stay on screen and in "
            "its scrollback",
            f"{how}; or pass --show to print them anyway",
        )
