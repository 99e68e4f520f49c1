"""The embedded AWS of `rolegate demo` and the tests: moto's server on 127.0.0.1, a random free port.

Loopback only, by construction: the server binds 127.0.0.1 and nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

MANAGEMENT_ACCOUNT = "123456789012"  # moto's default account: the one fake credentials sign in to
DEMO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass
class LocalAws:
    url: str
    port: int
    _server: Any

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        """Forget every account's state (moto's reset API), for a fresh organization."""
        import urllib.request

        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(req, timeout=30):  # noqa: S310 - http to our own 127.0.0.1 server
            pass


def start_local_aws() -> LocalAws:
    """Start moto in this process. AWS managed policies are loaded, or attaching AdministratorAccess fails."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request is noise in demo and tests
    _update_group_moves_the_group()
    _managed_policies_loaded_once()
    _cloudformation_roles_attach_managed_policies()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    assert server._server is not None, "start() binds the socket before it returns"
    port = int(server._server.server_port)
    return LocalAws(url=f"http://127.0.0.1:{port}", port=port, _server=server)


def _update_group_moves_the_group() -> None:
    """AWS's UpdateGroup with only NewPath moves the group (members and policies stay); moto 5.2.5 ignores
    it unless the group is renamed too. Adopting a hand-made group relies on the move, so the embedded
    endpoint is taught what AWS does; nothing else of moto is changed."""
    from moto.iam.models import IAMBackend

    original = IAMBackend.update_group
    if getattr(original, "moves_path", False):
        return

    def update_group(self: Any, group_name: str, new_group_name: str | None, new_path: str | None) -> None:
        if new_path and not new_group_name:
            self.get_group(group_name).path = new_path
            return
        original(self, group_name, new_group_name, new_path)

    update_group.moves_path = True  # type: ignore[attr-defined]
    IAMBackend.update_group = update_group  # type: ignore[method-assign]


def _managed_policies_loaded_once() -> None:
    """moto 5.2.5 builds every account's IAM backend in each of its six partitions the first time a request
    signed with assumed-role keys arrives (it looks the key up everywhere), and each build parses the ~1,600
    AWS managed policies from JSON again: about 1 s per account created through Organizations, which makes
    a 300-account organization take minutes. rolegate's endpoint serves the `aws` partition only, so the
    other partitions start without managed policies, and the JSON is parsed once. What the `aws` partition
    holds and answers is unchanged."""
    import json

    from moto.iam import models
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.settings import load_iam_aws_managed_policies

    original = models.IAMBackend._init_aws_policies
    if getattr(original, "loaded_once", False):
        return
    parsed: list[dict[str, Any]] = []

    def init_aws_policies(self: Any) -> list[Any]:
        if self.region_name != "aws" or not load_iam_aws_managed_policies():
            return []  # the backend's "region" is its partition for IAM
        if not parsed:
            parsed.append(json.loads(aws_managed_policies_data))
        return [
            models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
            for name, data in parsed[0].items()
        ]

    init_aws_policies.loaded_once = True  # type: ignore[attr-defined]
    models.IAMBackend._init_aws_policies = init_aws_policies  # type: ignore[method-assign]


def _cloudformation_roles_attach_managed_policies() -> None:
    """AWS::IAM::Role's ManagedPolicyArns are attached by CloudFormation (and detached when the stack goes);
    moto 5.2.5 ignores the property. The StackSet engine deploys the spoke roles that way, so the embedded
    endpoint is taught what AWS does; nothing else of moto is changed."""
    from moto.iam.models import Role, iam_backends
    from moto.utilities.utils import get_partition

    create, delete = Role.create_from_cloudformation_json, Role.delete_from_cloudformation_json
    if getattr(create, "attaches", False):
        return

    def attach(
        cls: Any, /, name: str, template: dict[str, Any], account_id: str, region: str, **kw: Any
    ) -> Any:
        role = create(name, template, account_id, region, **kw)
        backend = iam_backends[account_id][get_partition(region)]
        for arn in template.get("Properties", {}).get("ManagedPolicyArns", []):
            backend.attach_role_policy(arn, role.name)
        return role

    def detach(cls: Any, /, name: str, template: dict[str, Any], account_id: str, region: str) -> None:
        backend = iam_backends[account_id][get_partition(region)]
        for role in list(backend.roles.values()):
            if role.name == name:
                for arn in list(role.managed_policies):
                    backend.detach_role_policy(arn, name)
        delete(name, template, account_id, region)

    attach.attaches = True  # type: ignore[attr-defined]
    Role.create_from_cloudformation_json = classmethod(attach)  # type: ignore[method-assign,assignment]
    Role.delete_from_cloudformation_json = classmethod(detach)  # type: ignore[method-assign,assignment]


def client_environment(url: str, config_dir: str) -> dict[str, str]:
    """Environment for SDK clients that talk only to the local endpoint and never read the user's ~/.aws."""
    return {
        **DEMO_CREDENTIALS,
        "AWS_ENDPOINT_URL": url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.path.join(config_dir, "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(config_dir, "aws-credentials-unused"),
    }
