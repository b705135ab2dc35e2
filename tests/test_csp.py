"""Every page carries a Content-Security-Policy without inline script, and no page needs inline code.

The policy (sipas/settings.py) refuses inline <script>, on…= handlers, style attributes and <style>
elements. These tests open every page each persona reaches by following links, and the pages of
citizens and tablets, and hold each response to the policy and each page's HTML to what it allows.
"""

import datetime
import uuid
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from reports.models import ReportJob
from surveys.models import Batch, BoxOpening, FormTemplate
from surveys.services.answering import survey_answer
from surveys.services.form_editor import form_copy
from surveys.services.issuing import survey_send_to_counter
from surveys.services.kiosks import counter_create, kiosk_pairing_start
from tests.factories import ballots, dossier_with_survey, scored_ballots

# Views that answer with a file, not a page: documents take seconds to make, and hold no script.
FILES = {
    "reports:download",
    "reports:comparison_download",
    "reports:minutes",
    "reports:job_download",
    "ballot_import_template",
    "dossier_import_template",
    "procedure_template",
}
ANSWERS = {f"Câu {number}": 4 for number in range(1, 9)}


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: sources}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        if part.strip():
            name, *sources = part.split()
            directives[name] = sources
    return directives


class PageCode(HTMLParser):
    """What in a page the policy would refuse, and the page's links to follow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refused: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        line = self.getpos()[0]
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.refused.append(f"line {line}: inline <script>")
        if tag == "style":
            self.refused.append(f"line {line}: <style> element")
        for name, value in attrs:
            # htmx evaluates hx-on… as code, which the policy (and htmx-config) forbid too.
            if name.startswith(("on", "hx-on", "data-hx-on")) or name == "style":
                self.refused.append(f"line {line}: <{tag} {name}=…>")
            if value and value.strip().lower().startswith("javascript:"):
                self.refused.append(f"line {line}: <{tag} {name}={value!r}>")
        # Everything is served from sipas itself: no CDN.
        source = attributes.get("src") if tag == "script" else None
        if tag == "link" and attributes.get("rel") == "stylesheet":
            source = attributes.get("href")
        if source is not None and not (source.startswith("/") and not source.startswith("//")):
            self.refused.append(f"line {line}: <{tag}> from elsewhere: {source}")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    handle_startendtag = handle_starttag


def read(response) -> PageCode:
    code = PageCode()
    code.feed(response.content.decode())
    code.close()
    return code


def assert_held_to_the_policy(url, response):
    directives = policy(response)
    assert directives, f"{url} has no Content-Security-Policy"
    for directive in ["script-src", "style-src"]:
        assert directives[directive] == ["'self'"], f"{url}: {directive} {directives[directive]}"
    if response.get("Content-Type", "").startswith("text/html"):
        assert read(response).refused == [], url


def crawl(client, *, starts, per_view=3, limit=150):
    """Open what a person reaches by following links from `starts`: up to `per_view` pages of each view.

    Returns {url: (view name, response)}.
    """
    opened, queue, seen, per_name = {}, list(starts), set(), Counter()
    while queue and len(opened) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url in seen:
            continue
        seen.add(url)
        try:
            name = resolve(parts.path).view_name
        except Resolver404:
            continue
        if name in FILES or per_name[name] >= per_view:
            continue
        per_name[name] += 1
        response = client.get(url)
        opened[url] = (name, response)
        if response.status_code in (301, 302):
            queue.append(urljoin(url, response["Location"]))
        elif response.get("Content-Type", "").startswith("text/html"):
            queue.extend(urljoin(url, link).split("#")[0] for link in read(response).links)
    return opened


@pytest.fixture
def filled(world, builtin_forms, frozen_clock):
    """Two months of ballots in two communes, issued surveys (one answered), a tablet, an open batch,
    a form of the commune's own being edited, and a job."""
    this_month = frozen_clock.replace(day=5)
    last_month = (this_month - datetime.timedelta(days=10)).replace(day=5)
    for seed, (unit, satisfied) in enumerate([(world.commune_a, 0.8), (world.commune_b, 0.6)]):
        for day in [last_month, this_month]:
            ballots(unit, scored_ballots(35, satisfied, day=day, seed=seed))
    _dossier, _survey, token = dossier_with_survey(unit=world.commune_a, code="HS-1")
    survey_answer(token=token, client_id=uuid.uuid4(), raw=ANSWERS)
    _dossier, survey, open_token = dossier_with_survey(unit=world.commune_a, code="HS-2")
    counter = counter_create(actor=world.head_a, unit=world.commune_a, name="Quầy 1")
    survey_send_to_counter(survey=survey, counter=counter)
    opening = BoxOpening.objects.create(
        unit=world.commune_a,
        opened_at=timezone.now(),
        place="Bộ phận Một cửa phường Hà Đông",
        seal_intact=True,
        ballot_count=10,
        recorded_by=world.staff_a,
    )
    sipas5 = FormTemplate.objects.get(code="sipas-5", unit__isnull=True)
    form_copy(actor=world.head_a, template=sipas5, unit=world.commune_a, code="sipas-5-09556", name="Phiếu Hà Đông")
    version = sipas5.current_version()
    Batch.objects.create(unit=world.commune_a, opening=opening, version=version, created_by=world.staff_a)
    job_month = last_month.replace(day=1)
    ReportJob.objects.create(
        kind="notices",
        unit=world.hanoi,
        params={"period": f"{job_month:%Y-%m}"},
        total=4,
        done=1,
        status="running",
        requested_by=world.official,
    )
    world.counter, world.answered_token, world.open_token = counter, token, open_token
    return world


# Where the walk also starts: a head's own form is one among many, past the pages of each view it opens.
STARTS = {"head_a": ["/mau-phieu/sipas-5-09556/"]}
# Views each persona must have reached, so that the walk cannot pass by opening nothing.
REACHED = {
    "staff_a": {"home", "dossier_create", "survey_slip", "batch_entry", "form_preview"},
    "head_a": {"home", "reports:results", "reports:factor", "reports:question", "counter_list", "form_edit"},
    "official": {"home", "reports:results", "reports:comparison", "reports:job", "reports:public_notice"},
    "admin_hanoi": {"home", "account_list", "account_create", "reports:comparison"},
    "superuser": {"home", "admin:index"},
}


@pytest.mark.parametrize("persona", REACHED)
def test_every_page_a_persona_reaches_is_held_to_the_policy(client, filled, persona):
    client.force_login(getattr(filled, persona))
    opened = crawl(client, starts=["/", *STARTS.get(persona, [])])
    for url, (_name, response) in opened.items():
        assert_held_to_the_policy(url, response)
    reached = {name for name, response in opened.values() if response.status_code == 200}
    assert REACHED[persona] <= reached, REACHED[persona] - reached


def test_the_pages_of_citizens_tablets_and_visitors_are_held_to_the_policy(client, filled):
    _kiosk, code = kiosk_pairing_start(actor=filled.head_a, counter=filled.counter)
    pages = {
        "/dang-nhap/": client.get("/dang-nhap/"),
        "wrong password": client.post("/dang-nhap/", {"username": "motcua.a", "password": "sai"}),
        "/khong-co/": client.get("/khong-co/"),
        f"/p/{filled.open_token}/": client.get(f"/p/{filled.open_token}/"),
        f"/p/{filled.answered_token}/": client.get(f"/p/{filled.answered_token}/"),
        "/danh-gia/09556/": client.get("/danh-gia/09556/"),
        "/sw.js": client.get("/sw.js"),
        "/manifest.webmanifest": client.get("/manifest.webmanifest"),
        "/may-tinh-bang/ghep/": client.get("/may-tinh-bang/ghep/"),
        "pairing": client.post("/may-tinh-bang/ghep/", {"code": code}, REMOTE_ADDR="10.1.1.1"),
        "/may-tinh-bang/": client.get("/may-tinh-bang/"),
        "kiosk survey": client.get(f"/p/{filled.open_token}/"),
    }
    for url, response in pages.items():
        assert_held_to_the_policy(url, response)
    assert pages["/may-tinh-bang/"].status_code == 200 and b'id="kiosk-config"' in pages["/may-tinh-bang/"].content
    assert pages["/khong-co/"].status_code == 404


def test_the_policy_allows_scripts_styles_and_workers_of_sipas_only(client, db):
    directives = policy(client.get("/dang-nhap/"))
    assert directives == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }


def test_the_page_check_finds_what_the_policy_refuses():
    html = (
        '<script>alert(1)</script><script type="application/json" id="d">{}</script>'
        '<script src="/static/js/x.js"></script><script src="https://cdn.example/x.js"></script>'
        '<button onclick="go()">x</button><div style="width: 1px"></div><style>p {}</style>'
        '<a href="javascript:go()">x</a><div hx-on:click="go()"></div><svg><text font-style="italic">x</text></svg>'
    )
    code = PageCode()
    code.feed(html)
    assert [problem.split(": ", 1)[1] for problem in code.refused] == [
        "inline <script>",
        "<script> from elsewhere: https://cdn.example/x.js",
        "<button onclick=…>",
        "<div style=…>",
        "<style> element",
        "<a href='javascript:go()'>",
        "<div hx-on:click=…>",
    ]
