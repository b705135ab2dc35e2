"""How a table cell of a Document reads in print (PDF, DOCX); XLSX keeps the number itself."""


def cell_text(value: str | int | float | None) -> str:
    """Print a number the Vietnamese way: 1234 -> "1.234", 87.5 -> "87,50"; an empty cell stays empty."""
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return value


def recipient_lines(recipients: list[str]) -> list[str]:
    """Nơi nhận items as Nghị định 30/2020 prints them, each after a dash."""
    return [line if line.startswith("-") else f"- {line}" for line in recipients]
