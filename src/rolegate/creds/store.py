"""Where session credentials live between calls: the OS keyring, or an encrypted file where there is none.

The choice is made once, automatically (a real keyring backend if the `keyring` library finds one,
otherwise the file), recorded in the cache directory, and reported by `rolegate doctor`; ROLEGATE_STORE=
keyring|file forces it. Recording it keeps the warm path fast: keyring's own backend discovery scans
entry points on every import, while a recorded class is loaded directly. For the same reason this module
works on `os.path` strings and hashes nothing: pathlib and hashlib would cost the warm path more than the
lookup itself.

The file store keeps one AES-GCM encrypted file per entry (mode 0600, directory 0700), named by the entry's
name in URL-safe base64 and sealed with that name as associated data, so one entry cannot be swapped for
another. Its 256-bit key lives apart from the
data, in the config directory (0600), or comes from ROLEGATE_STORE_KEY (base64) on machines where a secret
manager injects it. A copy of the cache without the key — a backup, a synced folder — is unreadable; a
process running as the same user can read both, exactly as it could talk to an unlocked keyring.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import importlib
import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import Protocol

    from rolegate.errors import CredentialsError

    class Store(Protocol):
        kind: str

        def get(self, name: str) -> str | None: ...
        def put(self, name: str, secret: str) -> None: ...
        def delete(self, name: str) -> bool: ...
        def names(self) -> list[str]: ...
        def describe(self) -> str: ...


SERVICE = "rolegate"
MAGIC = b"RGS2\n"
KEY_ENV = "ROLEGATE_STORE_KEY"
CHOICE_ENV = "ROLEGATE_STORE"
SUFFIX = ".sealed"


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "rolegate")


def config_dir() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "rolegate")


def private_dir(path: str) -> str:
    """`path`, made 0700 if it was missing (so are the parents rolegate has to make for it)."""
    if not os.path.isdir(path):
        parent = os.path.dirname(path)
        if parent and parent != path and not os.path.isdir(parent):
            private_dir(parent)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
    return path


# What the store trusts, and why it refuses the rest (SECURITY.md, "The credential store"): a key file anyone
# else can read gives them every sealed entry; one anyone else can write, or owns, lets them choose the key
# that seals the next entries; a directory others can write lets them swap, replay or delete entries. Each
# refusal names its fix, and `rolegate doctor` lists them all. Pure functions of what stat said.


def key_file_problem(path: str, status: os.stat_result, euid: int) -> tuple[str, str] | None:
    """Why the key file at `path` must not be used, and the fix; None when it may."""
    import stat

    mode = status.st_mode
    if stat.S_ISLNK(mode):
        return (
            f"{path}, a symbolic link",
            f'put the key file itself there: `cp --remove-destination "$(readlink -f {path})" {path}`',
        )
    if not stat.S_ISREG(mode):
        return f"{path}, not a regular file", "move it away; rolegate makes a new key there on next use"
    if status.st_uid != euid:
        return (
            f"{path}, which belongs to another user (uid {status.st_uid}) who could choose the key",
            f"`chown {euid} {path}` if it is yours, or move it away and let rolegate make a new one",
        )
    if stat.S_IMODE(mode) & 0o077:
        return (
            f"{path}, readable or writable by others (mode {stat.S_IMODE(mode):o}): it decrypts every "
            "stored credential",
            f"`chmod 600 {path}`, and treat what the store held as seen (`rolegate logout`)",
        )
    return None


def directory_problem(path: str, status: os.stat_result, euid: int) -> tuple[str, str] | None:
    """Why the store's directory (or the key's) at `path` must not be used, and the fix; None when it may."""
    import stat

    mode = status.st_mode
    if not stat.S_ISDIR(mode):
        return f"{path}, not a directory", f"move it away; rolegate makes {path} (0700) on next use"
    if status.st_uid != euid:
        return (
            f"{path}, a directory of another user (uid {status.st_uid})",
            f"`chown {euid} {path}` if it is yours, or move it away",
        )
    if stat.S_IMODE(mode) & 0o022:
        return (
            f"{path}, a directory writable by others (mode {stat.S_IMODE(mode):o}): they could swap or "
            "replay its entries",
            f"`chmod 700 {path}`",
        )
    return None


def decode_key(data: bytes, where: str) -> bytes:
    """The 256-bit key written in base64 in `data`; a CredentialsError naming `where` when it is not one."""
    try:
        key = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise _credentials_error(
            f"{where} is not a base64 256-bit key, so the credential store cannot be opened",
            "restore it from a backup; or move it away and rolegate makes a new one (what it sealed is then "
            "unreadable: cached sessions are asked for again, a `rolegate keys` key must be added again)",
        )
    return key


def _refuse(problem: tuple[str, str] | None) -> None:
    if problem is not None:
        message, fix = problem
        raise _credentials_error(f"the credential store will not use {message}", fix)


def _check_directory(path: str) -> None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return
    _refuse(directory_problem(path, status, os.geteuid()))


def _read_key_file(path: str) -> bytes | None:
    """The key file's bytes, read without following a link, and only from a private file of the user's."""
    import errno

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            _refuse(key_file_problem(path, os.lstat(path), os.geteuid()))
        raise _credentials_error(f"{path}: cannot read the store's key ({exc.strerror})") from None
    try:
        _refuse(key_file_problem(path, os.fstat(fd), os.geteuid()))
        chunks = []
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write_private(path: str, data: bytes) -> None:
    """Atomically, 0600 from the first byte (a secret is never briefly readable by others), no backup."""
    from pathlib import Path

    from rolegate.atomic import write_atomic  # not on the warm path: only a refresh writes

    private_dir(os.path.dirname(path))
    write_atomic(Path(path), data, mode=0o600, backup=False, private=True, lock=False)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _credentials_error(message: str, hint: str | None = None) -> CredentialsError:
    # Imported when needed: rolegate.errors brings `dataclasses`, which the warm path cannot afford.
    from rolegate.errors import CredentialsError

    return CredentialsError(message, hint)


class FileStore:
    kind = "file"

    def __init__(self, directory: str | None = None, key_file: str | None = None) -> None:
        self.directory = directory or os.path.join(cache_dir(), "store")
        self.key_file = key_file or os.path.join(config_dir(), "store.key")

    def describe(self) -> str:
        source = f"${KEY_ENV}" if os.environ.get(KEY_ENV) else self.key_file
        return f"encrypted files in {self.directory} (AES-256-GCM, key in {source})"

    def path(self, name: str) -> str:
        """The file of an entry: its name, URL-safe, so listing the directory lists the entries."""
        return os.path.join(self.directory, base64.urlsafe_b64encode(name.encode()).decode() + SUFFIX)

    def _key(self, create: bool) -> bytes | None:
        if value := os.environ.get(KEY_ENV):
            return decode_key(value.encode(), f"${KEY_ENV}")
        key_dir = os.path.dirname(self.key_file)
        _check_directory(key_dir)
        stored = _read_key_file(self.key_file)
        if stored is not None or not create:
            return None if stored is None else decode_key(stored, self.key_file)
        private_dir(key_dir)
        _check_directory(key_dir)
        try:  # O_EXCL: two first runs at once agree on one key
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return decode_key(_read_key_file(self.key_file) or b"", self.key_file)
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(os.urandom(32)) + b"\n")
        return decode_key(_read_key_file(self.key_file) or b"", self.key_file)

    def problems(self) -> list[tuple[str, str]]:
        """Every reason the store would refuse to work, with its fix, without raising: for `doctor`."""
        found: list[tuple[str, str]] = []
        for directory in (self.directory, os.path.dirname(self.key_file)):
            with contextlib.suppress(FileNotFoundError):
                problem = directory_problem(directory, os.stat(directory), os.geteuid())
                if problem is not None:
                    found.append((f"the credential store will not use {problem[0]}", problem[1]))
        try:
            self._key(create=False)
        except Exception as exc:  # a CredentialsError: its message and hint are what doctor shows
            pair = (str(getattr(exc, "message", exc)), str(getattr(exc, "hint", None) or ""))
            if pair not in found:
                found.append(pair)
        return found

    def get(self, name: str) -> str | None:
        _check_directory(self.directory)
        blob = _read(self.path(name))
        if blob is None or not blob.startswith(MAGIC):
            return None
        key = self._key(create=False)
        if key is None:
            return None
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce, sealed = blob[len(MAGIC) : len(MAGIC) + 12], blob[len(MAGIC) + 12 :]
        try:
            return AESGCM(key).decrypt(nonce, sealed, name.encode()).decode()
        except (InvalidTag, ValueError):
            return None  # another key, or tampered with: as good as absent, and refreshed over

    def put(self, name: str, secret: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = self._key(create=True)
        assert key is not None
        private_dir(self.directory)
        _check_directory(self.directory)
        nonce = os.urandom(12)
        _write_private(
            self.path(name), MAGIC + nonce + AESGCM(key).encrypt(nonce, secret.encode(), name.encode())
        )

    def delete(self, name: str) -> bool:
        try:
            os.unlink(self.path(name))
        except FileNotFoundError:
            return False
        return True

    def names(self) -> list[str]:
        try:
            files = sorted(os.listdir(self.directory))
        except FileNotFoundError:
            return []
        found = []
        for file in files:
            if file.endswith(SUFFIX):
                with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                    found.append(base64.urlsafe_b64decode(file.removesuffix(SUFFIX)).decode())
        return found


class KeyringStore:
    """The OS keyring (macOS Keychain, Secret Service, Windows Credential Locker) through `keyring`.

    Keyrings cannot list their entries, so the names (never the secrets) are kept in an index file."""

    kind = "keyring"

    def __init__(self, backend: Any, index: str | None = None) -> None:
        self.backend = backend
        self.index = index or os.path.join(cache_dir(), "keyring-index.json")

    def describe(self) -> str:
        cls = type(self.backend)
        return f"the OS keyring ({cls.__module__}.{cls.__qualname__})"

    def get(self, name: str) -> str | None:
        with _keyring_errors(self):
            value = self.backend.get_password(SERVICE, name)
        return value if isinstance(value, str) else None

    def put(self, name: str, secret: str) -> None:
        with _keyring_errors(self):
            self.backend.set_password(SERVICE, name, secret)
        self._index(add=name)

    def delete(self, name: str) -> bool:
        from keyring.errors import PasswordDeleteError

        self._index(remove=name)
        try:
            self.backend.delete_password(SERVICE, name)
        except PasswordDeleteError:
            return False
        return True

    def names(self) -> list[str]:
        try:
            data = json.loads(_read(self.index) or b"[]")
        except ValueError:
            return []
        return [n for n in data if isinstance(n, str)] if isinstance(data, list) else []

    def _index(self, add: str | None = None, remove: str | None = None) -> None:
        names = [n for n in self.names() if n not in (add, remove)]
        if add:
            names.append(add)
        _write_private(self.index, json.dumps(sorted(names)).encode())


@contextlib.contextmanager
def _keyring_errors(store: KeyringStore) -> Iterator[None]:
    """A locked or unreachable keyring is the person's to fix: say so, without a traceback."""
    from keyring.errors import KeyringError

    try:
        yield
    except KeyringError as exc:
        raise _credentials_error(
            f"{store.describe()} refused: {exc}",
            "unlock the keyring (log in to the desktop session), or set ROLEGATE_STORE=file",
        ) from None


def _choice_file() -> str:
    return os.path.join(cache_dir(), "store-choice")


def usable_keyring() -> Any | None:
    """The keyring backend `keyring` would use, if it is a real one: not the fail or null backend, not a
    chainer with nothing behind it, and never a plaintext file."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or "plaintext" in type(backend).__name__.lower():
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    try:
        priority = float(backend.priority)
    except Exception:  # a backend that cannot even say how good it is, is not used
        return None
    return backend if priority > 0 else None


def _keyring_backend(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)()


def choose_store() -> Store:
    """The store to use, deciding and recording it on first use."""
    forced = os.environ.get(CHOICE_ENV, "").strip().lower()
    if forced not in ("", "keyring", "file"):
        raise _credentials_error(f"{CHOICE_ENV}={forced!r}: use keyring or file")
    if forced == "file":
        return FileStore()
    recorded = recorded_store()
    if recorded is not None and (not forced or recorded.kind == forced):
        return recorded
    backend = usable_keyring()
    if backend is None and forced == "keyring":
        raise _credentials_error(
            f"{CHOICE_ENV}=keyring, but the keyring library finds no usable backend here",
            "install and unlock one (Secret Service, KWallet, the macOS Keychain), or unset it",
        )
    store: Store = FileStore() if backend is None else KeyringStore(backend)
    if not forced:
        cls = type(backend)
        choice = "file" if backend is None else f"keyring {cls.__module__}.{cls.__qualname__}"
        _write_private(_choice_file(), choice.encode())
    return store


def recorded_store() -> Store | None:
    """The store chosen before, without asking `keyring` to discover anything; None when not yet chosen."""
    forced = os.environ.get(CHOICE_ENV, "").strip().lower()
    if forced == "file":
        return FileStore()
    choice = (_read(_choice_file()) or b"").decode().split()
    if choice == ["file"] and forced != "keyring":
        return FileStore()
    if len(choice) == 2 and choice[0] == "keyring":
        try:
            return KeyringStore(_keyring_backend(choice[1]))
        except Exception:  # the backend went away: choose again
            return None
    return None


def forget_choice() -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_choice_file())
