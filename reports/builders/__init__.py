"""Each report as a reports.document.Document, built from the index engine's figures.

The writers in reports.writers turn a Document into PDF, XLSX or DOCX, so every
format of a report says the same thing.
"""

from reports.builders.annual import annual_report
from reports.builders.minutes import minutes_document
from reports.builders.notice import monthly_notice
from reports.builders.period import period_report

__all__ = ["annual_report", "minutes_document", "monthly_notice", "period_report"]
