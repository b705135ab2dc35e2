"""Numbers in Vietnamese words, as minutes write a count next to its digits: "37 (ba mươi bảy)"."""

# Vietnamese words for Vietnamese documents: no translation applies.
_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_SCALES = ["", "nghìn", "triệu", "tỷ"]


def vn_number_words(number: int) -> str:
    """Read a whole number from 0 to 999 999 999 999 in words: 1005 -> "một nghìn không trăm linh năm"."""
    if not 0 <= number < 1000 ** len(_SCALES):
        raise ValueError(f"{number} is outside 0…999 999 999 999")
    if number == 0:
        return _DIGITS[0]
    groups = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    words: list[str] = []
    for scale in reversed(range(len(groups))):
        if groups[scale]:
            # Only the leading group may drop its hundreds: "năm", but "một nghìn không trăm linh năm".
            words += _group_words(groups[scale], full=bool(words))
            words += [_SCALES[scale]] if scale else []
    return " ".join(words)


def _group_words(group: int, *, full: bool) -> list[str]:
    hundreds, tens, units = group // 100, group // 10 % 10, group % 10
    words = [_DIGITS[hundreds], "trăm"] if hundreds or full else []
    if tens == 0:
        words += ["linh"] if units and words else []
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 5 and tens >= 1:
        words.append("lăm")
    elif units:
        words.append(_DIGITS[units])
    return words
