"""The `rolegate` executable. `credential-process` with a warm cache is answered before the command line
machinery (click, rich, pydantic) is imported at all: the SDKs call it before every first request."""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["credential-process"]:
        from rolegate.creds.fast import credential_process

        code = credential_process(argv[1:])
        if code is not None:
            sys.exit(code)
    from rolegate.cli.main import main as full

    full()
