"""Turn a template and its context into PDF bytes; every document renderer has the same shape."""

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from reports.charts import xml_safe

PDF_MIMETYPE = "application/pdf"
# Administrative documents are issued in Vietnamese, whatever language the reader uses the site in.
DOCUMENT_LANGUAGE = "vi"


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` to PDF in the document language.

    Fonts come from the system (Liberation Serif through fontconfig) and the
    stylesheet is inlined, so nothing is fetched from outside. Control characters
    in people's text would print as empty boxes, so they are dropped.
    """
    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(template_name, context)
    return HTML(string=xml_safe(html)).write_pdf()


class PdfRenderer:
    """A document rendered from one HTML template that extends reports/document_base.html."""

    identifier: str
    name: str
    template_name: str

    def filename(self) -> str:
        raise NotImplementedError

    def context(self) -> dict:
        raise NotImplementedError

    def generate(self) -> tuple[str, str, bytes]:
        """Return the file name, the mimetype and the bytes, ready for a download."""
        with translation.override(DOCUMENT_LANGUAGE):
            return self.filename(), PDF_MIMETYPE, render_pdf(self.template_name, self.context())
