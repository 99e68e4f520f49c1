"""`rolegate links` and the launch page's names, as a team lead writes them: an account's display_name is what
the switch-role link carries and the console shows, exactly; a display name the console would not take is
refused with its line; `links` tells how to open roles side by side (help, terminal, JSON, --out) and keeps a
pipe's output to the links alone; a hostile display name that bypassed validation is shown inertly."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.builders import HOSTILE, constructed, hidden
from tests.helpers import HtmlElements, rolegate

from rolegate.cli.commands.config import example_text
from rolegate.errors import ConfigError
from rolegate.local.launchpage import render_html
from rolegate.local.links import SIDE_BY_SIDE, account_display_name, user_links
from rolegate.model.config import Account
from rolegate.model.load import parse

TEXT = example_text()


def with_display(name: str) -> str:
    return TEXT.replace("  production:\n", f"  production:\n    display_name: {json.dumps(name)}\n", 1)


@pytest.mark.parametrize("name", ["ML-Prod", "Production", "prod", "PROD EU", "a.b@c+d=e,f_g h"])
def test_the_link_carries_the_display_name_exactly(name: str) -> None:
    config = parse(with_display(name)).config
    (link,) = [link for link in user_links(config, "cobus") if link.account == "production"]
    assert link.display_name == name == account_display_name(config, "production")
    assert parse_qs(urlsplit(link.url).query)["displayName"] == [name]


def test_without_one_the_key_is_capitalised_as_before() -> None:
    config = parse(TEXT).config
    assert [account_display_name(config, a) for a in ("production", "development")] == [
        "Production",
        "Development",
    ]


@pytest.mark.parametrize("name", ["", "x" * 65, "semi;colon", "new\nline", "<b>", "tab\there", "café", "a#b"])
def test_a_display_name_the_console_would_not_take_is_refused_with_its_line(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(with_display(name))
    assert "display_name" in str(caught.value) or "display name" in str(caught.value)


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_a_hostile_display_name_that_bypassed_validation_is_shown_inertly(name: str) -> None:
    normal, page = HtmlElements(), HtmlElements()
    normal.feed(render_html(constructed(), "cobus"))
    hostile = constructed()
    hostile.accounts["development"] = Account.model_construct(
        id="222222222222", color="red", display_name=name
    )
    page.feed(render_html(hostile, "cobus"))
    assert page.tags == normal.tags and page.attributes == normal.attributes
    assert not hidden(page.text.replace("\t", " "))


# -- the command ------------------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "rolegate.yaml"
    path.write_text(with_display("ML-Prod"))
    return path


def test_links_json_says_how_to_open_roles_side_by_side(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = rolegate(capsys, "-c", str(config), "links", "--user", "cobus", "--json")
    assert done.code == 0, done.all
    answer = json.loads(done.out)
    assert answer["side_by_side"] == SIDE_BY_SIDE
    production = next(link for link in answer["users"]["cobus"] if link["account"] == "production")
    assert (production["display_name"], production["mfa"], production["max_session"]) == (
        "ML-Prod",
        True,
        "1h",
    )


def test_links_on_a_pipe_print_the_links_alone(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = rolegate(capsys, "-c", str(config), "links", "--user", "cobus")
    assert done.code == 0, done.all
    assert "multi-session" not in done.out
    assert all(line.startswith("sign in: ") or line.count("\t") == 2 for line in done.out.splitlines())


def test_links_written_to_a_directory_say_how_to_open_roles_side_by_side(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "launch"
    done = rolegate(capsys, "-c", str(config), "links", "--all-users", "--format", "html", "--out", str(out))
    assert done.code == 0, done.all
    assert "multi-session" in done.out.replace("\n", " ")
    page = (out / "cobus.html").read_text()
    assert "ML-Prod" in page and "rolegate console --multi-session" in page


def test_links_help_says_how_to_open_roles_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    done = rolegate(capsys, "links", "--help")
    assert "multi-session" in done.out and "display_name" in done.out
