"""Read what people type: Vietnamese folded for searching, numbers in queries and forms."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case, drop diacritics, keep single spaces: "Thượng  Lộ" -> "thuong lo"."""
    # đ/Đ is a letter of its own, not d with a mark, so NFD does not split it.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def whole_number(text: str | None) -> int | None:
    """The id or option number `text` writes, or None: ASCII digits only, at most 18 of them.

    str.isdigit() also passes "²", which int() refuses, and int() refuses more than 4300 digits.
    """
    if text and len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None
