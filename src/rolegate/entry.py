"""The `rolegate` executable. `credential-process` with a warm cache, and `keys credential-process` (the hub
profile's stored key), are answered before the command line machinery (click, rich, pydantic) is imported
at all: the SDKs call them before every first request."""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["credential-process"] or argv[:2] == ["keys", "credential-process"]:
        from rolegate.creds.fast import credential_process

        key = argv[0] == "keys"
        code = credential_process(argv[1 + key :], key=key)
        if code is not None:
            sys.exit(code)
    from rolegate.cli.main import main as full

    full()
