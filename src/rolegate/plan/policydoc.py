"""IAM policy documents compared as IAM reads them, and shown as people read them. Pure, stdlib only.

Two documents are equivalent when IAM would treat them the same: key order, whitespace, a single value vs a
one-element list, URL-encoding, action case, condition key case and the order of statements and values do
not matter. The readable form is YAML-like and deterministic, for the plan's diff.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

DEFAULT_VERSION = "2008-10-17"  # what IAM assumes when a document has no Version
_SET_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_PRINCIPAL_KEYS = ("Principal", "NotPrincipal")


def parse(document: str | Mapping[str, Any]) -> dict[str, Any]:
    """A dict from a dict, JSON text, or IAM's URL-encoded JSON."""
    if isinstance(document, Mapping):
        return dict(document)
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a policy document (invalid JSON at character {exc.pos})") from None
    if not isinstance(value, dict):
        raise ValueError("not a policy document (a JSON object is expected)")
    return value


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return sorted({_scalar(v) for v in items})


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _principal(value: Any) -> Any:
    if value == "*" or not isinstance(value, Mapping):
        return value
    return {kind: _strings(v) for kind, v in sorted(value.items())}


def _condition(value: Any, fold: bool) -> Any:
    if not isinstance(value, Mapping):
        return value
    return {
        operator: {
            _fold(str(key), fold): _strings(v)
            for key, v in sorted(keys.items(), key=lambda kv: kv[0].lower())
        }
        if isinstance(keys, Mapping)
        else keys
        for operator, keys in sorted(value.items())
    }


def _fold(text: str, fold: bool) -> str:
    return text.lower() if fold else text


def _statement(statement: Any, fold: bool) -> Any:
    if not isinstance(statement, Mapping):
        return statement
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in ("Action", "NotAction"):
            out[key] = sorted({_fold(v, fold) for v in _strings(value)}, key=str.lower)
        elif key in _SET_KEYS:
            out[key] = _strings(value)
        elif key in _PRINCIPAL_KEYS:
            out[key] = _principal(value)
        elif key == "Condition":
            out[key] = _condition(value, fold)
        else:
            out[key] = value
    return dict(sorted(out.items()))


def normalize(document: str | Mapping[str, Any], *, fold_case: bool = True) -> dict[str, Any]:
    """The canonical form: equal for documents IAM treats the same. Action names and condition keys are
    case-insensitive in IAM, so they are lowercased unless `fold_case` is off (for display)."""
    doc = parse(document)
    statements = doc.get("Statement", [])
    if not isinstance(statements, list):
        statements = [statements]
    canonical = [_statement(s, fold_case) for s in statements]
    out = {k: v for k, v in doc.items() if k not in ("Statement", "Version")}
    out["Version"] = doc.get("Version", DEFAULT_VERSION)
    out["Statement"] = sorted(canonical, key=lambda s: json.dumps(s, sort_keys=True))
    return dict(sorted(out.items()))


def equivalent(a: str | Mapping[str, Any], b: str | Mapping[str, Any]) -> bool:
    return normalize(a) == normalize(b)


# -- the readable form ----------------------------------------------------------------------------------


def _inline(value: Any) -> str:
    if isinstance(value, list):
        if len(value) == 1:
            return _inline(value[0])
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k}: {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str) and value in ("true", "false"):
        return f'"{value}"'  # IAM compares them as strings; show that
    return str(value)


def _block(key: str, value: Any, indent: str) -> list[str]:
    text = _inline(value)
    if len(indent) + len(key) + len(text) < 80 or not isinstance(value, (list, Mapping)):
        return [f"{indent}{key}: {text}"]
    lines = [f"{indent}{key}:"]
    if isinstance(value, list):
        lines += [f"{indent}  - {_inline(v)}" for v in value]
    else:
        for k, v in value.items():
            lines += _block(str(k), v, indent + "  ")
    return lines


def render(document: str | Mapping[str, Any]) -> list[str]:
    """The normalized document as YAML-like lines, deterministic."""
    doc = normalize(document, fold_case=False)
    lines = [f"Version: {doc['Version']}"]
    for key, value in doc.items():
        if key not in ("Version", "Statement"):
            lines += _block(key, value, "")
    lines.append("Statement:")
    for statement in doc["Statement"]:
        if not isinstance(statement, Mapping):
            lines.append(f"- {_inline(statement)}")
            continue
        keys = sorted(statement, key=lambda k: (k != "Sid", k))
        for i, key in enumerate(keys):
            block = _block(key, statement[key], "  ")
            if i == 0:
                block[0] = "- " + block[0][2:]
            lines += block
    return lines


def diff_lines(before: str | Mapping[str, Any] | None, after: str | Mapping[str, Any]) -> list[str]:
    """Plan lines: "+ " added, "- " removed, "  " context (2 lines around each change); [] if equivalent."""
    new = render(after)
    if before is None:
        return ["+ " + line for line in new]
    if equivalent(before, after):
        return []
    old = render(before)
    out: list[str] = []
    for group in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_grouped_opcodes(2):
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += ["  " + line for line in old[i1:i2]]
            if tag in ("delete", "replace"):
                out += ["- " + line for line in old[i1:i2]]
            if tag in ("insert", "replace"):
                out += ["+ " + line for line in new[j1:j2]]
    return out
