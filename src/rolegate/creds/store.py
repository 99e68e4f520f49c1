"""Where session credentials live between calls: the OS keyring, or an encrypted file where there is none.

The choice is made once, automatically (a real keyring backend if the `keyring` library finds one,
otherwise the file), recorded in the cache directory, and reported by `rolegate doctor`; ROLEGATE_STORE=
keyring|file forces it. Recording it keeps the warm path fast: keyring's own backend discovery scans
entry points on every import, while a recorded class is loaded directly.

The file store keeps one AES-GCM encrypted file per entry (mode 0600, directory 0700), with the entry's
name as associated data so one entry cannot be swapped for another. Its 256-bit key lives apart from the
data, in the config directory (0600), or comes from ROLEGATE_STORE_KEY (base64) on machines where a secret
manager injects it. A copy of the cache without the key — a backup, a synced folder — is unreadable; a
process running as the same user can read both, exactly as it could talk to an unlocked keyring.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import importlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from rolegate.errors import CredentialsError

SERVICE = "rolegate"
MAGIC = b"RGS1\n"
KEY_ENV = "ROLEGATE_STORE_KEY"
CHOICE_ENV = "ROLEGATE_STORE"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rolegate"


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "rolegate"


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _write_private(path: Path, data: bytes) -> None:
    """Atomically, created 0600 from the first byte: a secret is never briefly readable by others."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class Store(Protocol):
    kind: str

    def get(self, name: str) -> str | None: ...
    def put(self, name: str, secret: str) -> None: ...
    def delete(self, name: str) -> bool: ...
    def names(self) -> list[str]: ...
    def describe(self) -> str: ...


class FileStore:
    kind = "file"

    def __init__(self, directory: Path | None = None, key_file: Path | None = None) -> None:
        self.directory = directory or cache_dir() / "store"
        self.key_file = key_file or config_dir() / "store.key"

    def describe(self) -> str:
        source = f"${KEY_ENV}" if os.environ.get(KEY_ENV) else str(self.key_file)
        return f"encrypted files in {self.directory} (AES-256-GCM, key in {source})"

    def _path(self, name: str) -> Path:
        return self.directory / (hashlib.sha256(name.encode()).hexdigest()[:32] + ".bin")

    def _key(self, create: bool) -> bytes | None:
        if value := os.environ.get(KEY_ENV):
            try:
                key = base64.b64decode(value, validate=True)
            except binascii.Error:
                key = b""
            if len(key) != 32:
                raise CredentialsError(
                    f"{KEY_ENV} is not a base64 256-bit key",
                    "make one with: openssl rand -base64 32",
                )
            return key
        try:
            return base64.b64decode(self.key_file.read_bytes())
        except FileNotFoundError:
            if not create:
                return None
        _private_dir(self.key_file.parent)
        try:  # O_EXCL: two first runs at once agree on one key
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return base64.b64decode(self.key_file.read_bytes())
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)) + b"\n")
        return base64.b64decode(self.key_file.read_bytes())

    def get(self, name: str) -> str | None:
        try:
            blob = self._path(name).read_bytes()
        except FileNotFoundError:
            return None
        key = self._key(create=False)
        if key is None or not blob.startswith(MAGIC):
            return None
        _, _, rest = blob[len(MAGIC) :].partition(b"\n")
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(key).decrypt(rest[:12], rest[12:], name.encode()).decode()
        except (InvalidTag, ValueError):
            return None  # another key, or tampered with: as good as absent, and refreshed over

    def put(self, name: str, secret: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = self._key(create=True)
        assert key is not None
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key).encrypt(nonce, secret.encode(), name.encode())
        # The name is kept in clear beside the sealed data: it is a profile name, and lets `logout` list.
        header = MAGIC + base64.b64encode(name.encode()) + b"\n"
        _write_private(_private_dir(self.directory) / self._path(name).name, header + nonce + sealed)

    def delete(self, name: str) -> bool:
        try:
            self._path(name).unlink()
        except FileNotFoundError:
            return False
        return True

    def names(self) -> list[str]:
        found = []
        for path in sorted(self.directory.glob("*.bin")):
            with contextlib.suppress(OSError, binascii.Error, UnicodeDecodeError):
                head = path.read_bytes()[:4096]
                if head.startswith(MAGIC):
                    found.append(base64.b64decode(head[len(MAGIC) :].partition(b"\n")[0]).decode())
        return found


class KeyringStore:
    """The OS keyring (macOS Keychain, Secret Service, Windows Credential Locker) through `keyring`.

    Keyrings cannot list their entries, so the names (never the secrets) are kept in an index file."""

    kind = "keyring"

    def __init__(self, backend: Any, index: Path | None = None) -> None:
        self.backend = backend
        self.index = index or cache_dir() / "keyring-index.json"

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
            data = json.loads(self.index.read_text())
        except (OSError, ValueError):
            return []
        return [n for n in data if isinstance(n, str)] if isinstance(data, list) else []

    def _index(self, add: str | None = None, remove: str | None = None) -> None:
        names = [n for n in self.names() if n not in (add, remove)]
        if add:
            names.append(add)
        _write_private(_private_dir(self.index.parent) / self.index.name, json.dumps(sorted(names)).encode())


@contextlib.contextmanager
def _keyring_errors(store: KeyringStore) -> Iterator[None]:
    """A locked or unreachable keyring is the person's to fix: say so, without a traceback."""
    from keyring.errors import KeyringError

    try:
        yield
    except KeyringError as exc:
        raise CredentialsError(
            f"{store.describe()} refused: {exc}",
            "unlock the keyring (log in to the desktop session), or set ROLEGATE_STORE=file",
        ) from None


def _choice_file() -> Path:
    return cache_dir() / "store-choice"


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
        raise CredentialsError(f"{CHOICE_ENV}={forced!r}: use keyring or file")
    if forced == "file":
        return FileStore()
    recorded = recorded_store()
    if recorded is not None and (not forced or recorded.kind == forced):
        return recorded
    backend = usable_keyring()
    if backend is None and forced == "keyring":
        raise CredentialsError(
            f"{CHOICE_ENV}=keyring, but the keyring library finds no usable backend here",
            "install and unlock one (Secret Service, KWallet, the macOS Keychain), or unset it",
        )
    store: Store = FileStore() if backend is None else KeyringStore(backend)
    if not forced:
        cls = type(backend)
        choice = "file" if backend is None else f"keyring {cls.__module__}.{cls.__qualname__}"
        _write_private(_private_dir(cache_dir()) / _choice_file().name, choice.encode())
    return store


def recorded_store() -> Store | None:
    """The store chosen before, without asking `keyring` to discover anything; None when not yet chosen."""
    forced = os.environ.get(CHOICE_ENV, "").strip().lower()
    if forced == "file":
        return FileStore()
    try:
        choice = _choice_file().read_text().split()
    except OSError:
        return None
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
        _choice_file().unlink()
