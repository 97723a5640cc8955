"""Usernames that look alike: "аdmin" with a Cyrillic "а", "ADMIN", "ａｄｍｉｎ" and "admin" are one name.

`skeleton()` maps a name to what it looks like (a simplified UTS #39 skeleton over the Unicode
confusables data that confusable-homoglyphs ships); sign-up refuses a name whose skeleton an
existing account already has.
"""

import unicodedata
from functools import cache

from confusable_homoglyphs.confusables import confusables_data

# ASCII characters confused with each other in common fonts ("I", "l", "1"; "O", "0"). Folding "i" too
# refuses "bill" next to "biii": a rare false alarm, where the other way lets "paypaI" through.
ASCII_LOOKALIKES = str.maketrans({"0": "o", "1": "l", "I": "l", "i": "l", "|": "l"})


@cache
def _looks_like(char: str) -> str:
    if char.isascii():
        return char.translate(ASCII_LOOKALIKES).lower()
    ascii_twins = sorted(
        h["c"]
        for h in confusables_data.get(char, [])
        if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalnum()
    )
    if ascii_twins:
        return _looks_like(ascii_twins[0])
    return char.casefold()


def skeleton(username: str) -> str:
    """What a username looks like: equal skeletons mean a reader could take one name for the other."""
    return "".join(_looks_like(char) for char in unicodedata.normalize("NFKC", username))
