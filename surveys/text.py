"""Fold Vietnamese text so a search without diacritics still matches."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case, drop diacritics, keep single spaces: "Thượng  Lộ" -> "thuong lo"."""
    # đ/Đ is a letter of its own, not d with a mark, so NFD does not split it.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
