"""Counting words as people read them: `1 account`, `2 accounts`, `3 policies`. Pure; at the bottom of
the layers, so every layer that talks to people (plans, findings, pages, the command line) says it alike."""

from __future__ import annotations


def plural_of(word: str) -> str:
    """English's rules for the nouns rolegate counts: a consonant's y becomes ies; s, x, ch, sh take es."""
    if len(word) > 1 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def plural(n: int, word: str) -> str:
    """`1 account`, `2 accounts`, `0 policies`, `3 entries`, `2 keys`, `4 processes`."""
    return f"{n} {word if n == 1 else plural_of(word)}"


def counted(n: int, word: str) -> str:
    """`1 finding`, `11,739 findings`: a count with its thousands grouped, as the pages print it."""
    return f"{n:,} {word if n == 1 else plural_of(word)}"
