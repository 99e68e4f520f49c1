"""What a command needs from the outside world, in one object (httpie's `Environment`): the three standard
streams and whether each is a terminal, colour on or off, the clock, and the environment variables. `run()`
builds it once and hands it to every command as click's `ctx.obj`; a test builds its own (a StringIO for
stdin, "a terminal" or "not one", a fixed clock) and drives a command in-process, with no pty."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import click
from rich.console import Console

from rolegate.cli.console import SafeConsole
from rolegate.errors import RolegateError, UserAbort


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream is no terminal
        return False


@dataclass(frozen=True)
class Gate:
    """What one prompt-gated command says at its gate: the question, the refusal when there is no terminal to
    ask on (message and hint), and what a "no" says. `typed_yes`: only the word yes goes on (a change to
    the accounts, as Terraform asks); else a y/N question (a change to a local file)."""

    question: str
    no_terminal: str
    no_terminal_hint: str | None
    cancelled: str
    typed_yes: bool = True


@dataclass
class Environment:
    """The global options (from the command line, before or after the command) and the outside world.

    `stdin_isatty` and its siblings: None asks the stream; True or False says it, as a test does (and then
    rich is told too, so colours and bars follow the same answer)."""

    config_path: Path = Path("rolegate.yaml")
    profile: str | None = None
    verbose: int = 0
    no_color: bool = False
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    clock: Callable[[], dt.datetime] = utc_now
    monotonic: Callable[[], float] = time.monotonic
    out: Console = field(init=False)
    err: Console = field(init=False)

    def __post_init__(self) -> None:
        self._consoles()

    def options(
        self,
        *,
        config_path: Path | None = None,
        profile: str | None = None,
        verbose: int | None = None,
        no_color: bool | None = None,
    ) -> None:
        """Options given after the command name override those given before it."""
        if config_path is not None:
            self.config_path = config_path
        if profile is not None:
            self.profile = profile
        if verbose is not None:
            self.verbose = verbose
        if no_color is not None:
            self.no_color = no_color
        self._consoles()

    @property
    def colour(self) -> bool:
        """Colours unless --no-color or NO_COLOR (https://no-color.org); rich still uses them only on a
        terminal, per stream."""
        return not (self.no_color or self.environ.get("NO_COLOR"))

    def _consoles(self) -> None:
        # SafeConsole: every string printed is made safe for a terminal first (names come from AWS too).
        def console(stream: TextIO, tty: bool | None) -> Console:
            return SafeConsole(
                file=stream,
                force_terminal=tty,
                no_color=not self.colour,
                highlight=False,
                soft_wrap=True,
                emoji=False,
            )

        self.out = console(self.stdout, self.stdout_isatty)
        self.err = console(self.stderr, self.stderr_isatty)

    @property
    def stdin_is_tty(self) -> bool:
        return _is_tty(self.stdin) if self.stdin_isatty is None else self.stdin_isatty

    @property
    def stdout_is_tty(self) -> bool:
        return _is_tty(self.stdout) if self.stdout_isatty is None else self.stdout_isatty

    @property
    def stderr_is_tty(self) -> bool:
        return _is_tty(self.stderr) if self.stderr_isatty is None else self.stderr_isatty

    @property
    def interactive(self) -> bool:
        """Someone to ask: a terminal on stdin to answer from and on stdout to see the question."""
        return self.stdin_is_tty and self.stdout_is_tty

    def now(self) -> dt.datetime:
        """This machine's time, in UTC."""
        return self.clock()

    def print(self, *objects: object, markup: bool | None = None, end: str = "\n") -> None:
        self.out.print(*objects, markup=markup, end=end)

    def note(self, *objects: object, markup: bool | None = None, end: str = "\n") -> None:
        """Progress and side remarks: stderr, so stdout stays data."""
        self.err.print(*objects, markup=markup, end=end)

    def write(self, text: str) -> None:
        """Data onto stdout as it is: JSON, CSV, HTML, shell lines."""
        self.stdout.write(text)

    def confirm(self, gate: Gate, *, yes: bool) -> None:
        """The one yes / no-terminal / prompt gate: --yes goes on; with no terminal to ask on, UserAbort with
        the gate's hint; else asks on the terminal, and anything but yes is UserAbort (exit 1). Returns
        only when the user said yes."""
        if yes:
            return
        if not self.interactive:
            raise UserAbort(gate.no_terminal, gate.no_terminal_hint)
        if gate.typed_yes:
            self.print()
            if self.ask(f"{gate.question} Only 'yes' will be accepted").strip() != "yes":
                raise UserAbort(gate.cancelled)
        elif not self._yes_or_no(gate.question):
            raise UserAbort(gate.cancelled)

    def ask(self, question: str) -> str:
        """One line from the user, the question shown first, as click.prompt does: the end of input or Ctrl-C
        at the question aborts (exit 1, "aborted; nothing more was changed"), not an interruption."""
        self.stdout.write(f"{question}: ")
        self.stdout.flush()
        try:
            line = self.stdin.readline()
        except KeyboardInterrupt:
            raise click.Abort() from None
        if not line:
            raise click.Abort()
        return line.rstrip("\r\n")

    def _yes_or_no(self, question: str) -> bool:
        """click.confirm's question and answers, default no."""
        while True:
            answer = self.ask(f"{question} [y/N]").strip().lower()
            if answer in ("y", "yes"):
                return True
            if answer in ("", "n", "no"):
                return False
            self.stdout.write("Error: invalid input\n")


Env = Environment  # the name the commands were written with


def no_secrets_on_a_terminal(env: Environment, show: bool, how: str) -> None:
    """Refuses to print secret keys onto a terminal (they stay on screen and in its scrollback) unless the
    user passed --show; `how` says the way meant for them (a pipe, `eval`)."""
    if env.stdout_is_tty and not show:
        raise RolegateError(
            "this prints secret keys, and standard output is a terminal: they would stay on screen and in "
            "its scrollback",
            f"{how}; or pass --show to print them anyway",
        )
