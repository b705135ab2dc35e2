"""A real Chromium from Debian, driven by Playwright, against Django's live server."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Playwright's sync API runs an event loop in the test thread; the ORM calls there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


# Report each refusal of the Content-Security-Policy to the test (exposed functions and init scripts
# are the browser's own, so the policy does not stop them).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.sipasCspViolation(`${location.pathname}: ${event.effectiveDirective} refused `
    + `${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`);
});
"""


def csp_violations(context) -> list[str]:
    """What the Content-Security-Policy refuses on any page of `context`, from now on."""
    violations = []
    context.expose_function("sipasCspViolation", lambda violation: violations.append(violation))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    return violations


@pytest.fixture
def page(browser):
    # An English browser, as on many office PCs: the site must still open in Vietnamese.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    violations = csp_violations(context)
    page = context.new_page()
    yield page
    context.close()
    # Whatever the test did, nothing it needed was refused by the policy.
    assert violations == []


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under artifacts/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
