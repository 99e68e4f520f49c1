"""Load rolegate.yaml: ruamel.yaml keeps line numbers, pydantic checks fields, validate.py the references.

Every problem is collected and raised together as one ConfigError, each naming file, line, column and field.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, ScalarEvent

from rolegate import limits
from rolegate.errors import ConfigError, Diagnostic, LocalFileError
from rolegate.model.config import Config
from rolegate.model.validate import Issue, Loc, check, did_you_mean


@dataclass
class Source:
    """The text of a config file and its YAML tree, to point at any field by its path."""

    filename: str
    text: str
    tree: Any = None
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()

    def position(self, loc: Loc, at_key: bool = False) -> tuple[int | None, int | None, int]:
        """(line, column, width), 1-based, of the deepest node of `loc` present in the file."""
        node = self.tree
        found: tuple[int, int] | None = None
        width = 1
        for i, part in enumerate(loc):
            last = i == len(loc) - 1
            if part == "[key]":  # pydantic's marker for a bad mapping key: we already point at the key
                break
            if isinstance(node, CommentedMap) and part in node:
                child = node[part]
                block = isinstance(child, (CommentedMap, CommentedSeq)) and not child.fa.flow_style()
                use_key = (last and at_key) or block or (i + 1 < len(loc) and loc[i + 1] == "[key]")
                found = node.lc.key(part) if use_key else node.lc.value(part)
                width = len(str(part)) if use_key else self._token_width(*found)
                node = child
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                found = node.lc.item(part)
                width = self._token_width(*found)
                node = node[part]
            else:
                break
        if found is None:
            return None, None, 1
        return found[0] + 1, found[1] + 1, width

    def _token_width(self, line: int, col: int) -> int:
        if line >= len(self.lines):
            return 1
        rest = self.lines[line][col:]
        if rest[:1] in ("'", '"'):
            end = rest.find(rest[0], 1)
            return end + 1 if end > 0 else len(rest)
        for stop in (",", "]", "}", " #"):
            cut = rest.find(stop)
            if cut > 0:
                rest = rest[:cut]
        return max(1, len(rest.rstrip()))

    def line_text(self, line: int | None) -> str | None:
        if line is None or not 1 <= line <= len(self.lines):
            return None
        return self.lines[line - 1]


@dataclass
class Loaded:
    config: Config
    source: Source
    warnings: list[Diagnostic]
    path: Path | None = None


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


# -- what rolegate.yaml may hold, checked before anything is built from it ------------------------------
#
# rolegate.yaml is reviewed by people, so what they read must be what rolegate reads. Refused, each at its
# file:line: characters a reviewer cannot see or that rewrite the terminal or the line's direction (C0 but
# TAB/LF/CR, DEL, C1, bidi controls, zero-width and line-separator characters, lone surrogates); aliases and
# merge keys (`*x`, `<<:` say "what is written elsewhere", and a few aliases expand into billions of nodes);
# tags but YAML's core ones (`!!python/object` and friends mean "build this", and rolegate builds nothing);
# nesting deeper than any real file; numbers longer than any real one. The checks run in the composer, as
# the events arrive, so a bomb is stopped at its first alias and a million `[` at the 33rd.

_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but TAB, LF, CR; DEL; C1 (NEL among them)
    "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069"  # bidi marks and overrides, zero-width
    "\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"  # line separators, a BOM past the start, non-text
)
_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
_MAX_NUMBER_DIGITS = 64  # an account id is 12 digits; int() refuses 4,300 and is slow long before that


def _character(ch: str) -> str:
    """How a refused character is named: its code point and Unicode name, never the character itself."""
    name = unicodedata.name(ch, "")
    if not name:
        name = "a NUL character" if ch == "\0" else "a control character"
    return f"U+{ord(ch):04X} ({name})"


class RefusedYAML(MarkedYAMLError):
    """YAML that parses but that rolegate will not read, at the event that showed it."""

    def __init__(self, problem: str, mark: Any, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


class _ReviewedComposer(Composer):
    """ruamel.yaml's composer, refusing what a reviewer could misread before it builds any node of it."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            raise RefusedYAML(
                f"an alias (*{event.anchor}) stands for a value written elsewhere; rolegate.yaml "
                "does not take aliases",
                event.start_mark,
                f"write the value out here in full, and drop the &{event.anchor} anchor",
            )
        if self.depth >= limits.YAML_DEPTH:
            raise RefusedYAML(
                f"nested more than {limits.YAML_DEPTH} deep; no rolegate.yaml needs more than 6",
                event.start_mark,
                "check the indentation and the brackets here",
            )
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in _CORE_TAGS:
            raise RefusedYAML(
                f"the tag {tag!r} is not allowed; rolegate.yaml holds text, numbers, lists and mappings",
                event.start_mark,
                "remove the tag (and quote the value if it must stay text)",
            )
        return super().compose_node(parent, index)

    def compose_scalar_node(self, anchor: Any) -> Any:
        event: ScalarEvent = self.parser.peek_event()
        bad = _FORBIDDEN.search(event.value)
        if bad:  # written as an escape ("\x1b", "\u202e"): the raw text was clean
            raise RefusedYAML(
                f"the value holds {_character(bad.group())}, which a reviewer cannot see",
                event.start_mark,
                "remove the escape sequence from the quoted value",
            )
        node = super().compose_scalar_node(anchor)
        if node.tag == _MERGE_TAG:
            raise RefusedYAML(
                "a merge key (<<) brings in keys written elsewhere; rolegate.yaml does not take them",
                event.start_mark,
                "write the keys out in this mapping",
            )
        if node.tag == _INT_TAG and len(node.value) > _MAX_NUMBER_DIGITS:
            raise RefusedYAML(
                f"a number of {len(node.value)} characters; no field takes one this long",
                event.start_mark,
                "quote it if it is meant as text",
            )
        return node


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.Composer = _ReviewedComposer
    return yaml


def _text_diagnostics(text: str, filename: str) -> list[Diagnostic]:
    """Every line holding a refused character (the first 20), by line and column, without the line: it
    would carry the character to the terminal."""
    found: list[Diagnostic] = []
    for number, line in enumerate(text.split("\n"), start=1):
        bad = _FORBIDDEN.search(line)
        if bad is None:
            continue
        found.append(
            Diagnostic(
                filename,
                number,
                bad.start() + 1,
                "(text)",
                f"holds {_character(bad.group())}, which a reviewer cannot see or that changes how the "
                "line reads",
                "delete it; rolegate.yaml takes printable text, tabs and line breaks only",
            )
        )
        if len(found) == 20:
            break
    return found


def _whole_file(filename: str, message: str, hint: str) -> ConfigError:
    return ConfigError([Diagnostic(filename, None, None, "(file)", message, hint)])


def _to_plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: _to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_plain(v) for v in node]
    if hasattr(node, "value") and type(node).__name__ == "ScalarBoolean":
        return bool(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic model that owns the last element of `loc` (for 'did you mean' on unknown keys)."""
    current: Any = Config
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                return None
            current = current.model_fields[str(part)].annotation
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation


_TYPE_MESSAGES = {
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "string_type": "expected a text value",
    "list_type": "expected a list, like [development, production]",
    "dict_type": "expected a mapping of names to settings",
    "model_type": "expected a mapping of settings",
}

_PATTERN_MESSAGES = {
    "name": "is the prefix of CLI profiles: letters, digits, '.', '_' and '-', up to 40",
    "region": "is not an AWS region name like us-west-2",
    "email": "is not an email address",
}


def _pydantic_issues(error: ValidationError) -> list[Issue]:
    issues: list[Issue] = []
    for err in error.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        kind = err["type"]
        given = err.get("input")
        if kind == "missing":
            parent, name = loc[:-1], loc[-1]
            issues.append(Issue(parent, f"{name!r} is required", None, at_key=True))
        elif kind == "extra_forbidden":
            model = _model_at(loc[:-1])
            known = list(model.model_fields) if model else []
            hint = did_you_mean(str(loc[-1]), known)
            fields = f"allowed here: {', '.join(known)}" if known else None
            hint = f"{hint}  {fields}" if hint and fields else hint or fields
            issues.append(Issue(loc, f"unknown field {loc[-1]!r}", hint, at_key=True))
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            issues.append(Issue(loc, f"{given!r} is not allowed; expected {expected}"))
        elif kind == "string_pattern_mismatch":
            what = _PATTERN_MESSAGES.get(str(loc[-1]), "has the wrong format")
            issues.append(Issue(loc, f"{given!r} {what}"))
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            ctx = err.get("ctx", {})
            bound = next(iter(ctx.values()), "")
            word = "at least" if kind.startswith("greater") else "at most"
            issues.append(Issue(loc, f"{given!r} must be {word} {bound}"))
        elif kind == "too_short":
            issues.append(Issue(loc, "must not be empty", at_key=True))
        elif kind in _TYPE_MESSAGES:
            issues.append(Issue(loc, f"{_TYPE_MESSAGES[kind]}, got {_describe(given)}"))
        else:
            issues.append(Issue(loc, str(err["msg"])))
    return issues


def _prune(plain: Any, locs: list[Loc]) -> Config | None:
    """The config with every invalid field removed, when that leaves a valid one; else None."""
    import copy

    data = copy.deepcopy(plain)
    for loc in locs:
        if any(isinstance(p, int) or p == "[key]" for p in loc) or len(loc) < 2:
            return None  # removing list items would shift the positions we report; give up quietly
        parent = data
        for part in loc[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or loc[-1] not in parent:
            return None  # a missing required field: nothing to remove
        del parent[loc[-1]]
    try:
        return Config.model_validate(data)
    except ValidationError:
        return None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _diagnostic(source: Source, issue: Issue) -> Diagnostic:
    line, col, width = source.position(issue.loc, issue.at_key)
    return Diagnostic(
        file=source.filename,
        line=line,
        column=col,
        path=format_loc(issue.loc),
        message=issue.message,
        hint=issue.hint,
        source=source.line_text(line),
        width=width,
        severity=issue.severity,
    )


def parse(text: str, filename: str = "rolegate.yaml", base: Path | None = None) -> Loaded:
    """Parse and validate config text; raises ConfigError with every problem found. `base`: where a
    guardrail's document_file is found (the file's directory; the working directory for text alone)."""
    _refuse_oversized(text, filename)
    text = text.removeprefix("\ufeff")  # the BOM some Windows editors write says nothing
    refused = _text_diagnostics(text, filename)
    if refused:
        raise ConfigError(refused)
    source = Source(filename, text)
    source.tree = _read_mapping(source)
    plain = _to_plain(source.tree)
    try:
        config = Config.model_validate(plain)
    except ValidationError as exc:
        raise ConfigError(_field_and_reference_errors(source, plain, exc)) from None
    config, unread = _with_document_files(config, base or Path.cwd())
    if unread:
        raise ConfigError([_diagnostic(source, i) for i in unread])
    found = [_diagnostic(source, i) for i in check(config)]
    errors = [d for d in found if d.severity == "error"]
    # Warnings wait until the errors are fixed: "N errors" counts what blocks, nothing else.
    if errors:
        raise ConfigError(_in_file_order(errors))
    return Loaded(config, source, [d for d in found if d.severity != "error"])


# A control policy is at most 5,120 characters; a file far above that is not one.
POLICY_FILE_BYTES = 64 * 1024


def _with_document_files(config: Config, base: Path) -> tuple[Config, list[Issue]]:
    """Each guardrail's document_file read (bounded, JSON no deeper than a policy) into its document, so the
    rest of rolegate sees one shape. A file that cannot be used is an issue at its document_file line."""
    from rolegate.model.policydoc import control_policy_problems

    guardrails, issues = dict(config.guardrails), []
    for name, guardrail in config.guardrails.items():
        if guardrail.document_file is None:
            continue
        loc: Loc = ("guardrails", name, "document_file")
        if guardrail.document is not None:
            issues.append(Issue(loc, "a guardrail has a document or a document_file, not both"))
            continue
        path = base / guardrail.document_file
        try:
            text = limits.read_text(path, POLICY_FILE_BYTES, "a policy document")
            document = limits.loads_json(text, str(path), "a policy document", max_depth=limits.YAML_DEPTH)
        except FileNotFoundError:
            issues.append(Issue(loc, f"{path}: no such file", "the path is relative to rolegate.yaml"))
            continue
        except (LocalFileError, OSError) as exc:
            issues.append(Issue(loc, getattr(exc, "message", None) or f"{path}: {exc.__class__.__name__}"))
            continue
        problems = control_policy_problems(document)
        if problems:
            issues.append(Issue(loc, f"{path}: " + "; ".join(problems)))
            continue
        guardrails[name] = guardrail.model_copy(update={"document": document})
    return config.model_copy(update={"guardrails": guardrails}), issues


def _refuse_oversized(text: str, filename: str) -> None:
    if len(text) > limits.CONFIG_BYTES or len(text.encode("utf-8", "surrogatepass")) > limits.CONFIG_BYTES:
        raise _whole_file(
            filename,
            f"larger than {limits.size_text(limits.CONFIG_BYTES)}, the most rolegate reads from a "
            "rolegate.yaml",
            "no real rolegate.yaml is this large: check that this is the file you meant",
        )


def _read_mapping(source: Source) -> CommentedMap:
    """The YAML tree of the file, which must be a mapping; a syntax error points at its line and column."""
    try:
        tree = _yaml().load(source.text)
    except MarkedYAMLError as exc:
        raise ConfigError([_yaml_diagnostic(source, exc)]) from None
    except (YAMLError, ValueError, RecursionError) as exc:
        # What the composer lets through but a constructor refuses (a date like 2024-02-30): no mark to
        # point at, but still the user's file, not a bug.
        raise _whole_file(
            source.filename, f"not YAML rolegate can read ({type(exc).__name__})", "fix the YAML syntax"
        ) from None
    if not isinstance(tree, CommentedMap):
        raise ConfigError(
            [
                Diagnostic(
                    source.filename,
                    1,
                    1,
                    "(top level)",
                    "the file must be a mapping with version, organization, accounts, …",
                    "start from `rolegate init`",
                )
            ]
        )
    return tree


def _yaml_diagnostic(source: Source, exc: MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    col = mark.column + 1 if mark else None
    problem = (exc.problem or "not valid YAML").strip()
    if "duplicate key" in problem or "found duplicate key" in str(exc):
        problem = "a key is written twice in the same mapping"
    return Diagnostic(
        source.filename,
        line,
        col,
        "(yaml)",
        problem,
        getattr(exc, "hint", "fix the YAML syntax at this spot"),
        source.line_text(line),
    )


def _field_and_reference_errors(source: Source, plain: Any, exc: ValidationError) -> list[Diagnostic]:
    """Report the reference problems too, not only the first layer: drop the invalid fields and look again."""
    field_issues = _pydantic_issues(exc)
    pruned = _prune(plain, [tuple(e["loc"]) for e in exc.errors()])
    ref_issues = check(pruned) if pruned is not None else []
    return _in_file_order(
        [_diagnostic(source, i) for i in field_issues + ref_issues if i.severity == "error"]
    )


def _in_file_order(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line or 0, d.column or 0))


def load(path: Path) -> Loaded:
    try:
        text = limits.read_text(path, limits.CONFIG_BYTES, "a rolegate.yaml")
    except FileNotFoundError:
        raise LocalFileError(
            f"{path}: no such file",
            "run `rolegate init` to write a commented example, or pass -c PATH",
        ) from None
    loaded = parse(text, str(path), path.parent)
    loaded.path = path
    return loaded
