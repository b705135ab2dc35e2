"""Bad input never crashes: every address of the site, fed odd values in its path, its query, its forms and its JSON.

Each URL pattern is filled with real objects so its view is reached and opened by every persona;
then, as those it answered, each path segment, query parameter and form field gets each odd value
in turn. Every answer must be a page, a redirect or a refusal (ALLOWED), never a server error;
a failure lists every request that crashed. PostgreSQL refuses NUL characters where
SQLite stores them, so CI runs this file on both.
"""

import datetime
import inspect
import io
import json
import re
import traceback
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

import openpyxl
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone

from reports.jobs.kinds import Responses
from reports.jobs.runner import job_run
from reports.jobs.services import job_start
from reports.models import ReportJob
from reports.periods import Period
from surveys.models import AuditEntry, Batch, Dossier, IntegrityAlert, Membership, SurveySettings
from surveys.services import batches, form_editor
from surveys.services.answering import survey_answer
from surveys.services.api_keys import api_key_create
from surveys.services.ballots import box_opening_record
from surveys.services.kiosks import counter_create, kiosk_pair, kiosk_pairing_start
from surveys.services.responses import BallotParser
from surveys.views.api import KIOSK_COOKIE
from tests.conftest import PASSWORD
from tests.factories import UserFactory, ballots, dossier_with_survey, scored_ballots

ROOT = Path(__file__).resolve().parent.parent
FUZZ = [
    "\x00",
    "a\x00b",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "9999-12",
    "0001-01",
    "2026-13",
    "2026-Q5",
    "' OR 1=1 --",
    "%",
    "\u202e",
    "𝕏" * 300,
    "a\u0301\u0301\u0301",
    "\u200b",
    "x" * 10_000,
    "",
    "[]",
    "{}",
    "²",  # a digit to str.isdigit(), not to int()
    "٢٠٢٦-١١",  # 2026-11 in Arabic-Indic digits, which \d matches
    "../../etc/passwd",
    "9999",
    "9" * 5000,  # int() refuses more than 4300 digits
    "31/12/9999",  # the forms' days and months, at the end of the calendar
    "12/9999",
]
# The values that crash most often, for the personas after the first one a page answers.
SHORT_FUZZ = ["\x00", "99999999999999999999999", "²", "9999-12", "x" * 10_000]
# For a field whose value is picked, not typed (a list, a box to tick, a hidden field): what a forged form sends.
CHOICE_FUZZ = ["\x00", "", "-1", "0", "99999999999999999999999", "9" * 5000, "²", "x" * 10_000, "' OR 1=1 --", "[]"]
# JSON values a field may hold instead of the right one.
JSON_FUZZ = [
    *FUZZ,
    None,
    True,
    -1,
    10**30,
    1e308,
    [],
    {},
    ["\x00"],
    {"\x00": "\x00"},
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
]
# Raw bodies that are not the JSON object an endpoint takes.
RAW_BODIES = [b"", b"null", b"[]", b'"x"', b"\x00", b"\xff\xfe", b"{", b"1" * 5000, b"[" * 100_000, b'{"a":' * 5000]
JSON = "application/json"
# Refusals: bad request, no or a wrong key, not yours, no such thing or method, already answered, expired, too many.
ALLOWED = {400, 401, 403, 404, 405, 409, 410, 429}
PERSONAS = ["anonymous", "kiosk", "staff_a", "head_a", "official", "admin_hanoi", "national", "outsider", "superuser"]
# Who fuzzes a page in full, the first it answers: the closest to the unit's own work. The others try SHORT_FUZZ.
FUZZER_ORDER = [
    "head_a",
    "staff_a",
    "admin_hanoi",
    "official",
    "national",
    "superuser",
    "kiosk",
    "anonymous",
    "outsider",
]
UNKNOWN_PARAMETER = "x"
# The page that holds the form of an address that only takes POST.
HOSTS = {
    "logout": "home",
    "set_language": "home",
    "membership_revoke": "account_list",
    "batch_close": "batch_detail",
    "counter_create": "counter_list",
    "kiosk_pairing": "counter_list",
    "kiosk_revoke": "counter_list",
    "kiosk_pair": "kiosk_home",
    "survey_issue": "dossier_detail",
    "survey_send": "survey_slip",
    "api_key_revoke": "api_key_list",
    "alert_seen": "integrity_signals",
}
# Addresses that take JSON rather than a form: fuzzed by the JSON tests below.
JSON_ENDPOINTS = {"api_responses", "api_dossiers", "batch_ballots", "batch_ballot", "kiosk_next", "kiosk_close"}
# Each import's file field is also fed its own template, filled with odd values.
IMPORT_TEMPLATES = {
    "ballot_import": "ballot_import_template",
    "dossier_import": "dossier_import_template",
    "procedure_import": "procedure_template",
}


# Answers to the Bình Phước form, which commune A's citizens answer.
ANSWERS = {
    "3.1": [1, 2],
    "3.2": 4,
    "3.7": "Không",
    "3.10": 5,
    "4": "Cán bộ nhiệt tình",
    "5": {"name": "Trần Thị Bình", "phone": "0912345678", "consent": True},
}


# --- The site, with one real object behind every path converter ------------------------------


@pytest.fixture
def site(world, builtin_forms, frozen_clock, settings, client):
    """Every kind of object an address names, in commune A; throttles out of the way so input reaches the views."""
    settings.SIPAS_THROTTLES = {scope: (10**9, window) for scope, (_count, window) in settings.SIPAS_THROTTLES.items()}
    world.national = UserFactory(username="theodoi.toanquoc")
    Membership.objects.create(user=world.national, unit=None, role=Membership.Role.NATIONAL)
    unit, today = world.commune_a, frozen_clock
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    ballots(unit, scored_ballots(12, 0.75, day=last_month + datetime.timedelta(days=9)))
    # The Bình Phước form asks every kind of question: choices, yes/no, timeliness, text, contact details.
    SurveySettings.objects.create(unit=unit, form=builtin_forms["binh-phuoc"])
    form = builtin_forms["binh-phuoc"].current_version()

    opening = box_opening_record(
        actor=world.staff_a,
        unit=unit,
        opened_at=timezone.now() - datetime.timedelta(days=1),
        place="Bộ phận Một cửa",
        seal_intact=True,
        seal_note="",
        ballot_count=3,
        key_keeper="Văn phòng UBND phường",
        witnesses=[("Nguyễn Văn Dũng", "Trưởng bộ phận Một cửa")],
        version=form,
    )
    batch = Batch.objects.get(opening=opening)
    typed, _created = batches.batch_ballot_save(
        actor=world.staff_a,
        batch=batch,
        ballot=BallotParser(version=form, unit=unit).parse(ANSWERS),
        answered_on=today,
        client_id=uuid.uuid4(),
    )

    counter = counter_create(actor=world.head_a, unit=unit, name="Quầy 1")
    _pending, code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    kiosk, kiosk_key = kiosk_pair(code=code)
    dossier, _survey, token = dossier_with_survey(unit=unit, code="HS-MO", counter=counter)
    unissued = Dossier.objects.create(
        unit=unit, code="HS-CHUA", procedure_text="Đăng ký kết hôn", received=today, resolved=today, on_time=True
    )
    # A "Có" to extra fees raises an integrity alert; the answer leaves contact details.
    _paid, _survey, paid_token = dossier_with_survey(unit=unit, code="HS-PHI")
    paid, _created = survey_answer(
        token=paid_token, client_id=uuid.uuid4(), raw={**ANSWERS, "3.8": "Có"}, origin="", device=""
    )

    api_key, api_secret = api_key_create(actor=world.head_a, unit=unit, name="Phần mềm một cửa")
    copy = form_editor.form_copy(
        actor=world.head_a, template=builtin_forms["sipas-5"], unit=unit, code="sipas-5-ha-dong", name="Phiếu Hà Đông"
    )
    # A finished job, so that its download is reached too (its file goes to the test run's folder).
    period = Period.month(last_month.year, last_month.month)
    job = job_start(
        actor=world.head_a,
        kind=ReportJob.Kind.RESPONSES,
        unit=unit,
        params=Responses.params(period=period, subtree=False, fmt="csv"),
    )
    job_run(job.pk)
    # Rows for every list of the admin: a good and a failed login (django-axes records both), a group.
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    client.post("/dang-nhap/", {"username": world.staff_a.username, "password": PASSWORD})
    client.logout()
    client.post("/dang-nhap/", {"username": world.staff_a.username, "password": "sai"})
    group = Group.objects.create(name="Thử nghiệm")
    return SimpleNamespace(
        world=world,
        token=token,
        kiosk=kiosk,
        kiosk_key=kiosk_key,
        api_secret=api_secret,
        batch=batch,
        typed=typed,
        # The real value of each path argument, by address name, then by argument name.
        by_name={
            "membership_revoke": {"pk": Membership.objects.get(user=world.staff_a).pk},
            "box_opening_detail": {"pk": opening.pk},
            "reports:minutes": {"pk": opening.pk, "fmt": "pdf"},
            "batch_ballot": {"pk": batch.pk, "response_id": typed.pk},
            "kiosk_pairing": {"pk": counter.pk},
            "kiosk_revoke": {"pk": kiosk.pk},
            "api_key_revoke": {"pk": api_key.pk},
            "alert_seen": {"pk": IntegrityAlert.objects.get().pk},
            "survey_issue": {"pk": unissued.pk},
            "contact_erase": {"response_id": paid.pk},
            "ballot_import_template": {"code": "sipas-5"},
            "rating": {"code": unit.code},
            "reports:comparison": {"code": world.hanoi.code},
            "reports:comparison_latest": {"code": world.hanoi.code},
            "reports:comparison_download": {"code": world.hanoi.code, "fmt": "xlsx"},
            "reports:download": {"kind": "period", "fmt": "xlsx"},
            "reports:public_notice": {"month": period.key},
            "admin:app_list": {"app_label": "surveys"},
            "admin:view_on_site": {"content_type_id": "1", "object_id": "1"},
            "admin:auth_user_password_change": {"id": world.staff_a.pk},
        },
        by_prefix={
            "lo-phieu/": {"pk": batch.pk},
            "ho-so/": {"pk": dossier.pk},
            "mau-phieu/": {"code": copy.code},
            "quan-tri/auth/user/": {"object_id": world.staff_a.pk},
            "quan-tri/auth/group/": {"object_id": group.pk},
            "quan-tri/surveys/unit/": {"object_id": unit.pk},
            "quan-tri/surveys/membership/": {"object_id": Membership.objects.first().pk},
            "quan-tri/surveys/auditentry/": {"object_id": AuditEntry.objects.first().pk},
            "quan-tri/axes/accessattempt/": {"object_id": AccessAttempt.objects.get().pk},
            "quan-tri/axes/accesslog/": {"object_id": AccessLog.objects.get().pk},
            "quan-tri/axes/accessfailurelog/": {"object_id": AccessFailureLog.objects.get().pk},
        },
        by_argument={
            "code": unit.code,
            "period": period.key,
            "factor": "access",
            "template": "sipas-5",
            "question": "Câu 1",
            "year": today.year,
            "key": job.key,
            "token": token,
            "url": "khong-co/",
        },
    )


# --- Every URL pattern of the project ---------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route (regex or path syntax), name and view."""

    route: str
    name: str
    callback: object

    @property
    def arguments(self) -> list[str]:
        return [path or regex for path, regex in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.route)]

    def url(self, values: dict) -> str:
        """The address with each argument written as `values` says, percent-encoded."""

        def value_of(match):
            return quote(str(values[match.group(1) or match.group(2)]), safe="")

        path = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", value_of, self.route)
        return "/" + path.replace("^", "").replace("$", "")


def _routes(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or route)
            yield Route(route=route, name=name, callback=pattern.callback)


ROUTES = list(_routes(get_resolver().url_patterns))


def real_values(site, route: Route) -> dict:
    """The real object behind each argument of `route`; a new argument fails here until it is given one."""
    values = {}
    prefixed = next((v for prefix, v in site.by_prefix.items() if route.route.startswith(prefix)), {})
    for argument in route.arguments:
        for source in (site.by_name.get(route.name, {}), prefixed, site.by_argument):
            if argument in source:
                values[argument] = source[argument]
                break
        else:
            pytest.fail(f"No real value for <{argument}> of {route.route}: add one to the `site` fixture")
    return values


# --- Reading the forms and links of a page -----------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: list = field(default_factory=list)  # [name, value, kind] in page order
    files: list = field(default_factory=list)

    def data(self) -> dict:
        """What a browser sends for this form as the page shows it (every checked box, every selected option)."""
        sent: dict = {}
        for name, value, _kind in self.fields:
            sent.setdefault(name, []).append(value)
        return {name: values if len(values) > 1 else values[0] for name, values in sent.items()}


class PageReader(HTMLParser):
    """The forms of a page with their fields as a browser would send them, and the query names its links use."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.link_parameters: set[str] = set()
        self._form: Form | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value or "") for key, value in attrs}
        if tag == "a" and attrs.get("href"):
            target = urlsplit(urljoin(self.url, attrs["href"]))
            if target.path == urlsplit(self.url).path:
                self.link_parameters |= {name for name, _value in parse_qsl(target.query, keep_blank_values=True)}
        if tag == "form":
            self._form = Form(attrs.get("method", "get").lower(), urljoin(self.url, attrs.get("action") or self.url))
            self.forms.append(self._form)
        if self._form is None or (tag != "option" and not attrs.get("name")):
            return
        name = attrs.get("name", "")
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind == "file":
                self._form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.fields.append([name, attrs.get("value", "on"), kind])
            elif kind not in ("submit", "button", "reset", "image"):
                self._form.fields.append([name, attrs.get("value", ""), kind])
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            if not any(existing[0] == name for existing in self._form.fields):
                self._form.fields.append([name, attrs.get("value", ""), "button"])
        elif tag == "select":
            self._select, self._options = (name, "multiple" in attrs), []
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = [name, "", "textarea"]
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self._form.fields.extend([name, value, "select"] for value in chosen)
            self._select = None


def read_page(url: str, response) -> PageReader:
    reader = PageReader(url)
    if "html" in response.get("Content-Type", ""):
        reader.feed(response.content.decode(response.charset or "utf-8", errors="replace"))
    return reader


def _source(callback) -> str:
    """The source of the module of a view of ours; nothing for Django's own views."""
    module = inspect.getmodule(inspect.unwrap(callback))
    if module is None or not module.__name__.startswith(("surveys.", "reports.", "sipas.")):
        return ""
    return inspect.getsource(module)


def source_parameters(callback) -> set[str]:
    """The query parameters the view's own module reads (request.GET, a `query` it was handed)."""
    return set(re.findall(r"(?:GET|query)(?:\.get|\.getlist)?[(\[]\s*[\"']([^\"']+)[\"']", _source(callback)))


# --- Sending requests and keeping what crashed ---------------------------------------------------


class Fuzzer:
    """A test client that records every request answered with a server error, instead of stopping at the first."""

    def __init__(self, client, site):
        self.client, self.site = client, site
        self.crashes: list[str] = []
        self.sent = 0

    def login(self, persona: str) -> None:
        self.client.logout()
        self.client.cookies.pop(KIOSK_COOKIE, None)
        if persona == "kiosk":
            self.client.cookies[KIOSK_COOKIE] = self.site.kiosk_key
        elif persona != "anonymous":
            self.client.force_login(getattr(self.site.world, persona))

    def send(self, persona: str, method: str, url: str, what: str = "", **options):
        """One request; a crash is written down with the view's frame that raised it, and None returned."""
        self.sent += 1
        try:
            # Its own savepoint: a database error must not break the requests after it.
            with transaction.atomic():
                response = getattr(self.client, method)(url, **options)
        except Exception as error:  # every crash is reported, with the request that made it
            self.crashes.append(f"{persona} {method.upper()} {url[:150]} {what[:150]}\n    {_where(error)}")
            return None
        if response.status_code >= 400 and response.status_code not in ALLOWED:
            self.crashes.append(f"{persona} {method.upper()} {url[:150]} {what[:150]}\n    HTTP {response.status_code}")
        return response

    def assert_no_crash(self) -> None:
        assert not self.crashes, f"{len(self.crashes)} of {self.sent} requests crashed:\n" + "\n".join(
            self.crashes[:40]
        )


def _where(error: Exception) -> str:
    """The error, the innermost frame of our code it passed through and, if elsewhere, the frame that raised it."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if str(ROOT) in frame.filename and ".venv" not in frame.filename]
    place = f" at {Path(ours[-1].filename).relative_to(ROOT)}:{ours[-1].lineno} {ours[-1].name}" if ours else ""
    if frames and (not ours or frames[-1] is not ours[-1]):
        place += f" (raised in {frames[-1].filename.rpartition('site-packages/')[2]}:{frames[-1].lineno})"
    return f"{type(error).__name__}: {str(error)[:200]!r}{place}"


LOGIN_PAGES = {resolve(reverse("login")).route, resolve(reverse("admin:login")).route}


def _reached(response) -> bool:
    """Whether the view itself answered: not a refusal, not a redirect to the site's or the admin's login."""
    if response is None or response.status_code >= 400:
        return False
    return not (response.status_code == 302 and _route_of(response["Location"]) in LOGIN_PAGES)


def _shown(value: str) -> str:
    return repr(value if len(value) < 40 else value[:20] + f"…({len(value)})")


# --- One test per URL pattern --------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=[route.route for route in ROUTES])
def test_no_address_crashes_on_odd_input(client, site, route):
    fuzz = Fuzzer(client, site)
    values = real_values(site, route)
    url = route.url(values)
    pages, forms, statuses = {}, {}, {}
    for persona in PERSONAS:
        fuzz.login(persona)
        response = fuzz.send(persona, "get", url)
        if "HX-Request" in _source(route.callback):
            fuzz.send(persona, "get", url, "HX-Request", HTTP_HX_REQUEST="true")
        statuses[persona] = response.status_code if response else 500
        if _reached(response):
            pages[persona] = read_page(url, response)
        forms[persona] = _forms_posting_to(fuzz, route, pages.get(persona), persona)
    if route.name in HOSTS:
        assert any(forms.values()), f"no page {HOSTS[route.name]} shows a form that posts to {url}"
    elif set(statuses.values()) == {405} and route.name not in JSON_ENDPOINTS:
        pytest.fail(f"{url} only takes POST: name the page holding its form in HOSTS")
    # Those shown the page come first: a redirect (the login page, to those logged in) hides its forms.
    fuzzers = sorted(
        (persona for persona in FUZZER_ORDER if persona in pages or forms[persona]),
        key=lambda persona: statuses[persona] >= 300,
    ) or ["anonymous"]
    for persona in fuzzers:
        thorough = persona == fuzzers[0]
        odd = FUZZ if thorough else SHORT_FUZZ
        fuzz.login(persona)
        for argument in route.arguments:
            for value in odd:
                odd_url = route.url({**values, argument: value})
                if _route_of(odd_url) == route.route:  # else the value never reaches the view
                    fuzz.send(persona, "get", odd_url, f"<{argument}>={_shown(value)}")
        if thorough:  # a query is read the same for everyone
            _fuzz_query(fuzz, persona, url, route, pages.get(persona))
        for form in _distinct(forms[persona]):
            # The admin's forms are Django's own, and the superuser's alone: each field is not tried in turn.
            _fuzz_form(fuzz, persona, form, route, thorough=thorough and not route.name.startswith("admin:"))
    fuzz.assert_no_crash()


def _fuzz_query(fuzz: Fuzzer, persona: str, url: str, route: Route, page: PageReader | None) -> None:
    """Each parameter the view's module reads or the page's links use set to each odd value; an unknown one briefly."""
    names = source_parameters(route.callback) | (page.link_parameters if page else set())
    cases = [(name, value) for name in sorted(names) for value in FUZZ]
    cases += [(UNKNOWN_PARAMETER, value) for value in SHORT_FUZZ]
    for name, value in cases:
        fuzz.send(persona, "get", f"{url}?{urlencode({name: value})}", f"?{name}={_shown(value)}")


def _forms_posting_to(fuzz: Fuzzer, route: Route, page: PageReader | None, persona: str) -> list[Form]:
    """The forms `persona` is shown that send to `route`: on its own page, or on the page that hosts them."""
    found = [form for form in page.forms if _route_of(form.action) == route.route] if page else []
    if route.name in HOSTS:
        host = next(r for r in ROUTES if r.name == HOSTS[route.name])
        # The same object as the form's address (the dossier whose survey it issues), else the host's own.
        shared = {key: value for key, value in real_values(fuzz.site, route).items() if key in host.arguments}
        host_url = host.url(real_values(fuzz.site, host) | shared)
        response = fuzz.send(persona, "get", host_url, f"(the page holding the form of {route.name})")
        if _reached(response):
            found += [form for form in read_page(host_url, response).forms if _route_of(form.action) == route.route]
    return found


def _route_of(url: str) -> str | None:
    try:
        match = resolve(unquote(urlsplit(url).path))
    except Resolver404:
        return None
    return match.route


def _fuzz_form(fuzz: Fuzzer, persona: str, form: Form, route: Route, *, thorough: bool) -> None:
    """Send the form as shown, then with odd values: each field in turn set to each of FUZZ (odd files in
    file fields), or, not `thorough`, every field at once set to each of SHORT_FUZZ."""
    base = form.data()

    def send(data, what, files=None):
        if form.method == "get":
            fuzz.send(persona, "get", form.action.split("?")[0] + "?" + urlencode(data, doseq=True), what)
            return
        fuzz.send(persona, "post", form.action, what, data={**data, **(files or {})})
        if persona not in ("anonymous", "kiosk") and SESSION_KEY not in fuzz.client.session:
            fuzz.login(persona)  # the form logged out

    def upload(value):
        return SimpleUploadedFile("tep.xlsx", value.encode(), content_type="application/octet-stream")

    send(base, "(as shown)")
    kinds = {name: kind for name, _value, kind in form.fields if _fuzzed(name)}
    if not thorough:
        for value in SHORT_FUZZ:
            every = {**base, **dict.fromkeys(kinds, value)}
            send(every, f"every field={_shown(value)}", {name: upload(value) for name in form.files})
        return
    for name, kind in sorted(kinds.items()):
        for value in FUZZ if kind in TYPED else CHOICE_FUZZ:
            send({**base, name: value}, f"{name}={_shown(value)}")
    for name in form.files:
        for value in FUZZ:
            send(base, f"file {name}={_shown(value)}", {name: upload(value)})
        if template := IMPORT_TEMPLATES.get(route.name):
            send(base, f"file {name}=its template filled with odd values", {name: _odd_workbook(fuzz, template)})


# Fields where people type, rather than pick.
TYPED = {"text", "textarea", "search", "number", "email", "tel", "url", "password", "date", "time", "datetime-local"}


def _fuzzed(name: str) -> bool:
    """Every field but the CSRF token, a formset's second and later rows (the same fields as its first) and
    the formset's bounds, which Django only writes for the page's script."""
    if name == "csrfmiddlewaretoken" or name.endswith(("-MIN_NUM_FORMS", "-MAX_NUM_FORMS")):
        return False
    return not re.search(r"-[1-9][0-9]*-", name)


def _distinct(forms: list[Form]) -> list[Form]:
    """One form of each shape: a page repeats the same small form on every row (move, delete, revoke)."""
    shapes = {
        (form.method, _route_of(form.action), tuple(sorted(n for n, _v, _k in form.fields))): form for form in forms
    }
    return list(shapes.values())


def _odd_workbook(fuzz: Fuzzer, template_name: str) -> SimpleUploadedFile:
    """The import's own template with every column of one row per odd value (NUL and control characters left out:
    a spreadsheet cannot hold them)."""
    template = next(r for r in ROUTES if r.name == template_name)
    response = fuzz.client.get(template.url(real_values(fuzz.site, template)))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    width = sheet.max_column
    for value in FUZZ:
        cell = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)[:32_000]
        sheet.append([cell] * width)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("mau.xlsx", out.getvalue())


# --- The JSON endpoints ---------------------------------------------------------------------------


def _json_cases(valid: dict, *, answers: bool) -> list[tuple[str, bytes]]:
    """The valid body, then each top-level field (and each answer, if `answers`) set to each odd value, then
    an unknown field, and bodies that are not a JSON object at all."""
    paths = [(name,) for name in [*valid, "unknown"]]
    if answers:
        paths += [("answers", code) for code in valid["answers"]]
    cases = [("(valid)", json.dumps(valid).encode())]
    for path in paths:
        for value in JSON_FUZZ:
            root = node = json.loads(json.dumps(valid))
            *parents, last = path
            for key in parents:
                node = node[key]
            node[last] = value
            cases.append((f"{'.'.join(path)}={_shown(json.dumps(value))}", json.dumps(root).encode()))
    return cases + [(f"body {_shown(repr(raw))}", raw) for raw in RAW_BODIES]


def _json_targets(site) -> dict:
    """Every JSON endpoint that takes a body: (persona, url, a valid body, whether to fuzz each answer, headers).

    Each answer is fuzzed where it is parsed first: on the public rating (the API) and the typing screen.
    """
    ballot = {"client_id": str(uuid.uuid4()), "answered_on": f"{timezone.localdate():%d/%m/%Y}", "answers": ANSWERS}
    dossier = {
        "dossier_code": "HS-2026-0042",
        "procedure": "Đăng ký khai sinh",
        "received": "02/11/2026",
        "resolved": "05/11/2026",
        "on_time": True,
        "officer": "Nguyễn Văn An",
    }
    answer = {"token": site.token, "client_id": str(uuid.uuid4()), "answers": ANSWERS}
    key = site.api_secret
    rating = {"unit": site.world.commune_a.code, "client_id": str(uuid.uuid4()), "device": "abc", "answers": ANSWERS}
    return {
        "api-token": ("anonymous", "/api/v1/responses", answer, False, {}),
        "api-unit": ("anonymous", "/api/v1/responses", rating, True, {}),
        "api-dossier": ("anonymous", "/api/v1/dossiers", dossier, False, {"HTTP_AUTHORIZATION": f"Bearer {key}"}),
        "typing": ("staff_a", f"/lo-phieu/{site.batch.pk}/phieu/", ballot, True, {}),
        "correcting": ("head_a", f"/lo-phieu/{site.batch.pk}/phieu/{site.typed.pk}/", ballot, False, {}),
        "kiosk": ("kiosk", "/may-tinh-bang/dong/", {"token": site.token}, False, {}),
    }


@pytest.mark.parametrize("target", ["api-token", "api-unit", "api-dossier", "typing", "correcting", "kiosk"])
def test_no_json_endpoint_crashes_on_odd_bodies(client, site, target):
    persona, url, valid, answers, headers = _json_targets(site)[target]
    fuzz = Fuzzer(client, site)
    fuzz.login(persona)
    for what, body in _json_cases(valid, answers=answers):
        fuzz.send(persona, "post", url, what, data=body, content_type=JSON, **headers)
    fuzz.assert_no_crash()


# --- Cookies and headers ------------------------------------------------------------------------------------


def _header_targets(site) -> dict:
    """Where each cookie or header is read: [(persona, method, url, JSON body)] to send it with."""
    home = ("head_a", "get", "/", None)
    citizen = ("anonymous", "get", f"/p/{site.token}/", None)
    rating = ("anonymous", "post", "/api/v1/responses", {"unit": site.world.commune_a.code, "answers": ANSWERS})
    return {
        "cookie sessionid": [home],
        "cookie csrftoken": [home],
        "cookie django_language": [home, citizen],
        f"cookie {KIOSK_COOKIE}": [("anonymous", "get", "/may-tinh-bang/", None), citizen, rating],
        "X-Forwarded-For": [citizen, rating],
        "X-Sipas-Device": [rating],
        "Authorization": [("anonymous", "post", "/api/v1/dossiers", {"dossier_code": "HS-1"})],
        "HX-Request": [("head_a", "get", "/don-vi/?q=ha", None)],
        "Accept-Language": [home],
    }


HEADERS = ["cookie sessionid", "cookie csrftoken", "cookie django_language", f"cookie {KIOSK_COOKIE}"]
HEADERS += ["X-Forwarded-For", "X-Sipas-Device", "Authorization", "HX-Request", "Accept-Language"]


@pytest.mark.parametrize("name", HEADERS)
def test_no_cookie_or_header_crashes(client, site, settings, name):
    settings.SIPAS_PROXY_HOPS = 1  # so that X-Forwarded-For is read
    fuzz = Fuzzer(client, site)
    for persona, method, url, body in _header_targets(site)[name]:
        for value in FUZZ:
            fuzz.login(persona)
            options = {}
            if body is not None:
                options = {"data": json.dumps({**body, "client_id": str(uuid.uuid4())}), "content_type": JSON}
            as_sent = value.encode().decode("latin-1")  # the UTF-8 bytes, as a WSGI server hands over a header
            if name.startswith("cookie "):
                fuzz.client.cookies[name.removeprefix("cookie ")] = as_sent
            else:
                options["HTTP_" + name.upper().replace("-", "_")] = as_sent
            fuzz.send(persona, method, url, f"{name}: {_shown(value)}", **options)
    fuzz.assert_no_crash()
