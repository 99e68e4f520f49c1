"""A credential server on loopback for `rolegate exec --server`: the child's SDKs fetch role credentials from
it and come back before they expire, so a command that runs for hours keeps working after the first role
session (1 hour when assumed from the MFA session) has ended.

It speaks the ECS container credential protocol, as aws-vault's `--ecs-server` does: the child gets
`AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/role-credentials` and
`AWS_CONTAINER_AUTHORIZATION_TOKEN`, a random token made for this run; every AWS SDK (botocore, the Go, Java
and JavaScript SDKs, the AWS CLI, Terraform's provider) sends it as the Authorization header and accepts a
loopback `http://` URI. What it guards:

- Only 127.0.0.1 is bound, and a peer that is not loopback is refused anyway.
- A request without exactly this run's token gets 403 (compared in constant time), whatever else it has; a
  Host header other than the server's own gets 403 too, so a web page that rebinds a name to 127.0.0.1
  cannot even reach the token check. Only GET on the one path answers.
- Secrets never leave but in the body of an authorized answer: no request is logged, error bodies carry
  rolegate's message and hint only.
- It lives as long as the `exec` that started it: stopped when the command ends; a daemon thread, so it dies
  with rolegate whatever happens.

Renewal: the credentials are kept in memory and renewed through the broker when less than `margin` is left
at `clock`'s time (15 minutes, botocore's own advisory window, so an SDK asking early always gets a new
session; half of what a shorter session came with). A renewal that fails while the old session still works
is noted and the old one served — as botocore itself does in its advisory window —, so a slow MFA prompt
never fails a request that could succeed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import json
import secrets
import socketserver
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rolegate.creds.credentials import REFRESH_MARGIN, Credentials, iso, utcnow
from rolegate.errors import RolegateError

PATH = "/role-credentials"
LOOPBACK = "127.0.0.1"
URI_ENV = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_ENV = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 - the variable's name, not a token
# Variables an SDK would read before (or instead of) the full URI and token: a child must not inherit them.
SHADOWING_ENV = (
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def container_answer(credentials: Credentials) -> dict[str, str]:
    """The JSON body of the ECS container credential protocol (the field is Token, not SessionToken)."""
    if credentials.expiration is None:
        raise ValueError("a credential server hands out sessions, which expire; these keys do not")
    return {
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "Token": credentials.session_token or "",
        "Expiration": iso(credentials.expiration),
    }


def authorized(header: str | None, token: str) -> bool:
    """The Authorization header is this run's token, exactly (constant time: no guessing it byte by byte)."""
    return header is not None and hmac.compare_digest(header.encode(), token.encode())


def loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def refusal(
    peer: str, host: str | None, expected_host: str, authorization: str | None, token: str, path: str
) -> tuple[int, str, str] | None:
    """Why a request gets no credentials (status, code, message), or None when it may have them. The token
    is checked before the path, so a wrong path says nothing to someone without it."""
    if not loopback(peer) or host != expected_host:
        return 403, "Forbidden", "only a command rolegate exec started on this machine may ask"
    if not authorized(authorization, token):
        return 403, "Forbidden", "the Authorization header is not this run's token"
    if path != PATH:
        return 404, "NotFound", f"credentials are at {PATH}"
    return None


class RenewedCredentials:
    """The session the server hands out, renewed through `source` when less than `margin` is left at
    `clock`'s time — or less than half of what it had when it came, for a session shorter than twice the
    margin: a 15-minute session renewed at 15 minutes left would cost an AssumeRole on every SDK call. One
    renewal at a time; a request meanwhile gets the old session while it still works."""

    def __init__(
        self,
        source: Callable[[], Credentials],
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        margin: dt.timedelta = REFRESH_MARGIN,
        note: Callable[[str], None] = lambda _: None,
        current: Credentials | None = None,
    ) -> None:
        self.source = source
        self.clock = clock
        self.margin = margin
        self.note = note
        self.renewals = 0
        self._renewing = threading.Lock()
        self._failing = False  # a failed renewal is noted once, not at every request until one works
        self._hold(current)

    def _hold(self, credentials: Credentials | None) -> None:
        self.current = credentials
        left = credentials.expiration - self.clock() if credentials and credentials.expiration else None
        self._margin = min(self.margin, max(left / 2, dt.timedelta(0))) if left is not None else self.margin

    def _usable(self, margin: dt.timedelta) -> Credentials | None:
        current = self.current
        return current if current is not None and current.fresh(self.clock(), margin) else None

    def get(self) -> Credentials:
        fresh = self._usable(self._margin)
        if fresh is not None:
            return fresh
        working = self._usable(dt.timedelta(0))
        if not self._renewing.acquire(blocking=working is None):
            return working  # type: ignore[return-value]  # not blocking means working is not None
        try:
            fresh = self._usable(self._margin)  # another request renewed while this one waited
            return fresh if fresh is not None else self._renew()
        finally:
            self._renewing.release()

    def _renew(self) -> Credentials:
        try:
            renewed = self.source()
        except RolegateError as exc:
            working = self._usable(dt.timedelta(0))
            if working is None:
                raise
            if not self._failing:
                self.note(f"could not renew the role session yet ({exc.message}); the current one works on")
            self._failing = True
            return working
        self._failing = False
        self._hold(renewed)
        self.renewals += 1
        return renewed


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a request in flight never keeps rolegate alive after its command ended
    allow_reuse_address = False
    credentials: RenewedCredentials
    token: str
    expected_host: str

    def handle_error(self, request: object, client_address: object) -> None:
        """A request that broke off (the command ended mid-answer) is not printed: socketserver's traceback
        would land on the command's terminal, and no traceback of this server goes anywhere."""

    def server_bind(self) -> None:
        """Bind as TCPServer does, without HTTPServer's socket.getfqdn: a name lookup for 127.0.0.1 is a
        resolver call (and a possible wait) for a name nobody reads."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "rolegate"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Nothing is logged: a request line is noise on the child's terminal."""

    def _answer(self, status: int, body: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: int, code: str, message: str) -> None:
        self._answer(status, {"code": code, "message": message})

    def do_GET(self) -> None:
        refused = refusal(self.client_address[0], self.headers.get("Host"), self.server.expected_host,
                          self.headers.get("Authorization"), self.server.token, self.path)  # fmt: skip
        if refused is not None:
            return self._refuse(*refused)
        try:
            credentials = self.server.credentials.get()
        except RolegateError as exc:
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            return self._refuse(500, "CredentialsError", f"rolegate could not renew the session: {message}")
        except Exception as exc:  # a bug: said by name (never its text, which could hold anything)
            return self._refuse(500, "InternalError", f"rolegate failed ({type(exc).__name__}): a bug")
        return self._answer(200, container_answer(credentials))

    def _not_allowed(self) -> None:
        self._refuse(405, "MethodNotAllowed", "only GET")

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed


class CredentialServer:
    """The server of one `exec` run: `with CredentialServer(renewed) as server:` binds 127.0.0.1 on a
    random port and serves in a daemon thread; `server.environment()` is what the child needs."""

    def __init__(self, credentials: RenewedCredentials, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._server.credentials = credentials
        self._server.token = self.token
        self._server.expected_host = "{}:{}".format(*self.address)
        # A short poll: stop() waits for the loop to notice, and each `exec` ends with one (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="rolegate-credential-server"
        )
        self._thread.daemon = True

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def uri(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}{PATH}"

    def environment(self) -> dict[str, str]:
        """The child's variables: the URI and the token (and no_proxy() beside them)."""
        return {URI_ENV: self.uri, TOKEN_ENV: self.token}

    def start(self) -> CredentialServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CredentialServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def no_proxy(environ: dict[str, str]) -> dict[str, str]:
    """NO_PROXY and no_proxy with 127.0.0.1 added to what the child had (tools read either spelling): the
    token stays off any proxy the child's environment names (Python's urllib proxies even 127.0.0.1)."""
    out: dict[str, str] = {}
    for key in ("NO_PROXY", "no_proxy"):
        had = [part for part in environ.get(key, "").split(",") if part.strip()]
        out[key] = ",".join([*had, LOOPBACK]) if LOOPBACK not in had else ",".join(had)
    return out


# What makes an SDK take credentials from the [default] profile before it ever asks a credential server
# (botocore's chain: environment, then the profile's role, web identity, SSO, keys, process; the container
# only after those).
DEFAULT_CREDENTIAL_KEYS = (
    "aws_access_key_id",
    "credential_process",
    "role_arn",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
)


def shadowing_default(environ: dict[str, str] | Any) -> str | None:
    """Where a [default] profile with credentials is (file and key), which the child's SDKs would use
    instead of the server; None when there is none. Read with the standard library, as the SDKs read it."""
    import configparser
    import os

    home = environ.get("HOME") or os.path.expanduser("~")
    files = (
        (environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, ".aws", "credentials"), "default"),
        (environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config"), "default"),
    )
    for path, section in files:
        parser = configparser.RawConfigParser(strict=False, default_section="\x00none")
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as handle:
                parser.read_string(handle.read())
        except (OSError, UnicodeDecodeError, configparser.Error):
            continue
        for name in (section, f"profile {section}"):
            if parser.has_section(name):
                for key in DEFAULT_CREDENTIAL_KEYS:
                    if (parser.get(name, key, fallback="") or "").strip():
                        return f"{path} [{name}] {key}"
    return None
