"""IAM's own shapes of two things everybody reads: a policy's `Statement` and a resource's `Tags`. Pure.

A policy document's `Statement` may be one statement or a list of them (IAM takes both; GAAD returns what
was written), and IAM lists tags as `[{"Key": …, "Value": …}]`. Each reader of either used to spell the
conversion itself; these are the one spelling, next to the model so every layer may use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def listed(value: Any) -> list[Any]:
    """A value IAM allows as one item or a list of them (Statement, Action, Resource, a principal), as a
    list."""
    return list(value) if isinstance(value, list | tuple) else [value]


def statement_list(document: Mapping[str, Any] | None) -> list[Any]:
    """The statements of a policy document as a list, whether it holds one or many; none for no document.
    Items are as written: a reader decides what to do with one that is not a mapping."""
    if not document:
        return []
    return listed(document.get("Statement", []))


def tags_dict(items: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    """IAM's `[{"Key": k, "Value": v}]` as `{k: v}`."""
    return {t["Key"]: t["Value"] for t in items or []}


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """`{k: v}` as IAM's `[{"Key": k, "Value": v}]`, in the mapping's order."""
    return [{"Key": k, "Value": v} for k, v in tags.items()]
