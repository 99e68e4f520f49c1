"""IAM policy documents compared as IAM reads them, and shown as people read them. Pure, stdlib only.

Two documents are equivalent when IAM would treat them the same: key order, whitespace, a single value vs a
one-element list, URL-encoding, action case, condition key case and the order of statements and values do
not matter. The readable form is YAML-like and deterministic, for the plan's diff; it keeps the spelling
people wrote, but is ordered and de-duplicated exactly as the comparison is, so a diff shows only real
changes.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from rolegate.model import iam_shapes
from rolegate.words import plural_of

DEFAULT_VERSION = "2008-10-17"  # what IAM assumes when a document has no Version
_ACTION_KEYS = ("Action", "NotAction")
_RESOURCE_KEYS = ("Resource", "NotResource")
_PRINCIPAL_KEYS = ("Principal", "NotPrincipal")
_SHORT = 80  # a list or map shorter than this is shown on its key's line

Document = str | Mapping[str, Any]


def parse(document: Document) -> dict[str, Any]:
    """A dict from a dict, JSON text, or IAM's URL-encoded JSON (`%7B%22Version%22...`)."""
    if isinstance(document, Mapping):
        return dict(document)
    if not isinstance(document, str):
        raise ValueError(
            f"not a policy document (a dict or JSON text is expected, got {type(document).__name__})"
        )
    text = document.strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if "%" not in text:
            raise ValueError(f"not a policy document (invalid JSON at character {exc.pos})") from None
        try:
            value = json.loads(unquote(text))
        except json.JSONDecodeError as decoded_exc:
            raise ValueError(
                f"not a policy document (invalid URL-encoded JSON at character {decoded_exc.pos})"
            ) from None
    if not isinstance(value, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(value), "a number"
        )
        raise ValueError(f"not a policy document (a JSON object is expected, got {kind})")
    return value


# -- the canonical form ---------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """IAM compares condition values (and names) as strings: True -> "true", 3 -> "3"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)  # null, or a structure IAM would reject anyway


def _strings(value: Any) -> list[str]:
    """A single value or a list -> a sorted list of strings without repeats (case matters)."""
    items = value if isinstance(value, list | tuple) else [value]
    return sorted({_scalar(v) for v in items})


def _names(value: Any, fold: bool) -> list[str]:
    """Like `_strings`, for names IAM reads case-insensitively (actions): lowercased with `fold`. Without it
    (for display), names equal but for case keep one spelling, so both forms list the same names in the
    same order."""
    texts = _strings(value)
    if fold:
        return sorted({t.lower() for t in texts})
    spelling: dict[str, str] = {}
    for text in texts:
        spelling.setdefault(text.lower(), text)
    return [spelling[k] for k in sorted(spelling)]


def _fold(text: str, fold: bool) -> str:
    return text.lower() if fold else text


def _principal(value: Any) -> Any:
    if value == "*" or not isinstance(value, Mapping):
        return value
    return {str(kind): _strings(v) for kind, v in sorted(value.items())}


def _condition(value: Any, fold: bool) -> Any:
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for operator, keys in sorted(value.items()):
        if not isinstance(keys, Mapping):
            out[operator] = keys
            continue
        block: dict[str, list[list[str]]] = {}
        for key, values in keys.items():
            block.setdefault(_fold(str(key), fold), []).append(_strings(values))
        # Keys equal but for case (IAM reads both) would clash once folded: keep every one's values.
        out[operator] = {
            k: v[0] if len(v) == 1 else sorted(v)
            for k, v in sorted(block.items(), key=lambda kv: (kv[0].lower(), kv[0]))
        }
    return out


def _statement(statement: Any, fold: bool) -> Any:
    if not isinstance(statement, Mapping):
        return statement
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _ACTION_KEYS:
            out[key] = _names(value, fold)
        elif key in _RESOURCE_KEYS:
            out[key] = _strings(value)
        elif key in _PRINCIPAL_KEYS:
            out[key] = _principal(value)
        elif key == "Condition":
            out[key] = _condition(value, fold)
        else:
            out[key] = value  # Sid, Effect, and anything IAM would reject: kept as written
    return dict(sorted(out.items()))


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def normalize(document: Document, *, fold_case: bool = True) -> dict[str, Any]:
    """The canonical form: equal for documents IAM treats the same.

    Action names and condition keys are case-insensitive in IAM, so they are lowercased; with `fold_case`
    off (for display) they keep their spelling, and everything is ordered as in the folded form."""
    doc = parse(document)
    pairs = [(_statement(s, True), _statement(s, fold_case)) for s in iam_shapes.statement_list(doc)]
    pairs.sort(key=lambda pair: (_canonical_json(pair[0]), _canonical_json(pair[1])))
    out = {k: v for k, v in doc.items() if k not in ("Statement", "Version")}
    out["Version"] = doc.get("Version", DEFAULT_VERSION)
    out["Statement"] = [shown for _, shown in pairs]
    return dict(sorted(out.items()))


def equivalent(a: Document, b: Document) -> bool:
    """Whether IAM treats the two documents the same."""
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
    if (
        len(text) < _SHORT
        or not isinstance(value, list | Mapping)
        or (isinstance(value, list) and len(value) < 2)
    ):
        return [f"{indent}{key}: {text}"]
    lines = [f"{indent}{key}:"]
    if isinstance(value, list):
        lines += [f"{indent}  - {_inline(v)}" for v in value]
    else:
        for k, v in value.items():
            lines += _block(str(k), v, indent + "  ")
    return lines


def _render(doc: Mapping[str, Any]) -> list[str]:
    lines = [f"Version: {doc['Version']}"]
    for key, value in doc.items():
        if key not in ("Version", "Statement"):
            lines += _block(key, value, "")
    lines.append("Statement:")
    for statement in doc["Statement"]:
        if not isinstance(statement, Mapping) or not statement:
            lines.append(f"- {_inline(statement)}")
            continue
        keys = sorted(statement, key=lambda k: (k != "Sid", k))
        for i, key in enumerate(keys):
            block = _block(key, statement[key], "  ")
            if i == 0:
                block[0] = "- " + block[0][2:]
            lines += block
    return lines


def render(document: Document) -> list[str]:
    """The normalized document as YAML-like lines, deterministic; action names and condition keys as
    written. A one-element list reads as its value; a list or map under 80 characters stays on one line."""
    return _render(normalize(document, fold_case=False))


def diff_lines(before: Document | None, after: Document) -> list[str]:
    """Plan lines: "+ " added, "- " removed, "  " context (2 lines around each change); [] if equivalent.

    Lines are matched as IAM compares them, so `sts:AssumeRole` vs `STS:assumerole` alone is no change."""
    new = render(after)
    if before is None:
        return ["+ " + line for line in new]
    if equivalent(before, after):
        return []
    old = render(before)
    old_key, new_key = _render(normalize(before)), _render(normalize(after))
    if not (_aligned(old, old_key) and _aligned(new, new_key)):
        old_key, new_key = old, new  # shapes differ (a case-only clash of condition keys): compare as shown
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_key, b=new_key, autojunk=False)
    for group in matcher.get_grouped_opcodes(2):
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += ["  " + line for line in old[i1:i2]]
            if tag in ("delete", "replace"):
                out += ["- " + line for line in old[i1:i2]]
            if tag in ("insert", "replace"):
                out += ["+ " + line for line in new[j1:j2]]
    return out


def _aligned(shown: list[str], folded: list[str]) -> bool:
    return len(shown) == len(folded) and all(
        s.lower() == f.lower() for s, f in zip(shown, folded, strict=True)
    )


_EFFECTS = ("Allow", "Deny")
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"})
_VERSIONS = ("2012-10-17", "2008-10-17")


def identity_policy_problems(document: Any) -> list[str]:
    """What IAM would refuse in an identity (inline) policy document, in words; empty when it would take it.
    Checked offline: statements with Effect, one of Action/NotAction and one of Resource/NotResource, no
    Principal (that belongs in a trust policy), and a known Version."""
    return _document_problems(document, "IAM", "an identity policy", _STATEMENT_KEYS, needs_resource=True)


_CONTROL_KEYS = _STATEMENT_KEYS | {"Principal", "NotPrincipal"}


def control_policy_problems(document: Any) -> list[str]:
    """What Organizations would refuse in a service or resource control policy, in words; checked offline.
    Each statement has an Effect and one of Action/NotAction (a resource control policy also a Principal)."""
    return _document_problems(
        document, "Organizations", "a control policy", _CONTROL_KEYS, needs_resource=False
    )


def _document_problems(
    document: Any, service: str, kind: str, keys: frozenset[str], *, needs_resource: bool
) -> list[str]:
    if not isinstance(document, Mapping):
        return ["a policy document is a mapping with Version and Statement"]
    problems: list[str] = []
    unknown = sorted(set(document) - {"Version", "Id", "Statement"})
    if unknown:
        keys_word = plural_of("key") if len(unknown) > 1 else "key"
        problems.append(
            f"unknown {keys_word} {', '.join(unknown)} (a document has Version, Id and Statement)"
        )
    if document.get("Version", "2012-10-17") not in _VERSIONS:
        problems.append(f"Version {document.get('Version')!r} is not one {service} knows (use 2012-10-17)")
    statements = document.get("Statement")
    if statements is None:
        return [*problems, "it has no Statement"]
    listed = iam_shapes.listed(statements)
    if not listed:
        problems.append("its Statement list is empty")
    for i, statement in enumerate(listed, 1):
        where = f"statement {i}"
        if not isinstance(statement, Mapping):
            problems.append(f"{where} is not a mapping")
            continue
        extra = sorted(set(statement) - keys)
        if extra:
            problems.append(f"{where}: {', '.join(extra)} has no place in {kind}")
        if statement.get("Effect") not in _EFFECTS:
            problems.append(f"{where}: Effect must be Allow or Deny")
        if ("Action" in statement) == ("NotAction" in statement):
            problems.append(f"{where}: needs exactly one of Action and NotAction")
        if needs_resource and ("Resource" in statement) == ("NotResource" in statement):
            problems.append(f"{where}: needs exactly one of Resource and NotResource")
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            values = statement.get(key, [])
            values = values if isinstance(values, list) else [values]
            if key in statement and not (values and all(isinstance(v, str) and v for v in values)):
                problems.append(f"{where}: {key} is a string or a list of strings")
        if "Condition" in statement and not isinstance(statement["Condition"], Mapping):
            problems.append(f"{where}: Condition is a mapping of operators")
    return problems
