"""The period flags the report commands share: exactly one of --month, --quarter, --nine-months, --year."""

from django.core.management.base import CommandError

from reports.periods import Period, PeriodInvalid, parse_period

FORMATS = {"month": "YYYY-MM", "quarter": "YYYY-Qn", "nine_months": "YYYY", "year": "YYYY"}


def add_period_arguments(parser) -> None:
    parser.add_argument("--month", help="YYYY-MM")
    parser.add_argument("--quarter", help="YYYY-Qn")
    parser.add_argument("--nine-months", dest="nine_months", help="YYYY")
    parser.add_argument("--year", help="YYYY")


def period_from(options) -> Period:
    """The one period the flags name; a clear error when none, several or a malformed one is given."""
    given = {name: options[name] for name in FORMATS if options[name]}
    if len(given) != 1:
        raise CommandError("Cần đúng một kỳ: --month YYYY-MM, --quarter YYYY-Qn, --nine-months YYYY hoặc --year YYYY.")
    ((name, value),) = given.items()
    key = f"{value}-9T" if name == "nine_months" else value
    try:
        period = parse_period(key)
    except PeriodInvalid as error:
        raise CommandError(str(error)) from None
    if period.kind != name:
        raise CommandError(f"--{name.replace('_', '-')} cần dạng {FORMATS[name]}, không phải “{value}”.")
    return period
