import subprocess
from pathlib import Path

from django.conf import settings
from django.utils import formats, translation


def test_every_english_message_is_translated():
    po = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True, check=True
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_dates_read_dd_mm_yyyy_in_both_languages():
    import datetime

    day = datetime.date(2025, 7, 1)
    for language in ["vi", "en"]:
        with translation.override(language):
            assert formats.date_format(day) == "01/07/2025"
            assert formats.date_format(day, "SHORT_DATE_FORMAT") == "01/07/2025"


def test_the_site_runs_in_vietnamese_and_vietnam_time():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"


def test_an_english_browser_still_gets_vietnamese_until_the_person_switches(client):
    page = client.get("/dang-nhap/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="vi"' in page.content.decode() and page["Content-Language"] == "vi"
    client.post("/i18n/setlang/", {"language": "en", "next": "/dang-nhap/"})
    assert 'lang="en"' in client.get("/dang-nhap/").content.decode()
