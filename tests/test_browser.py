"""End to end in a real browser (headless Chromium): the web app as policy staff use it, and
the HTML report as it opens offline and prints. Screenshots and PDFs are saved in artefacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import support
from browser_support import artefact, chromium, page_count, pdf_page_text, print_pdf
from web_support import running_app

from engine.assessment import assess_with_history
from engine.report.assessment import render
from engine.report.context import report_context


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app(support.EVIDENCE, support.RULES) as url:
        yield url


def _report(country: str, year: int, tmp: Path) -> Path:
    book = support.rulebook()
    loaded = support.dossier(country, year)
    doc = assess_with_history(book, loaded, support.dossier_path(country, year)).document
    path = tmp / f"{country.lower()}-{year}.html"
    path.write_text(render(doc, "html", report_context(book, loaded)), encoding="utf-8")
    return path


def _visible(driver: Any, element: Any) -> bool:
    return bool(
        driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return r.height > 0 && r.top < window.innerHeight && r.bottom > 0;",
            element,
        )
    )


def test_list_to_peru_to_a_quote_in_the_narrative_to_its_record(browser: Any, app_url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(app_url + "/")
    assert browser.title == "Dossiers · tip-assess"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.dossiers tbody tr")
    assert len(rows) >= 11
    browser.save_screenshot(str(artefact("app-dossiers.png")))
    browser.find_element(By.LINK_TEXT, "Peru").click()
    assert browser.current_url.endswith("/dossiers/peru/2007")
    heading = browser.find_element(By.CSS_SELECTOR, "header#summary h1").text
    assert heading == "Peru: Tier 2 (determined)"
    criterion_3 = browser.find_element(By.ID, "row-criterion_3")
    assert "Met" in criterion_3.text and "[unverified]" in criterion_3.text
    browser.save_screenshot(str(artefact("app-peru-2007.png")))
    # open the finding, then follow its quote to the narrative
    browser.find_element(By.CSS_SELECTOR, "#finding-applicability > summary").click()
    quote = browser.find_element(
        By.CSS_SELECTOR, "#finding-applicability a[href$='narrative#quote-minors-removed']"
    )
    assert "almost 400 minors" in quote.text
    quote.click()
    assert browser.current_url.endswith("/dossiers/peru/2007/narrative#quote-minors-removed")
    mark = browser.find_element(By.CSS_SELECTOR, "mark[data-records='minors-removed']")
    assert mark.text == "finding and removing almost 400 minors from commercial sexual exploitation"
    assert _visible(browser, mark)
    assert mark.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
    browser.save_screenshot(str(artefact("app-peru-2007-narrative.png")))
    mark.find_element(By.TAG_NAME, "a").click()
    assert browser.current_url.endswith("#record-minors-removed")
    record = browser.find_element(By.ID, "record-minors-removed")
    assert _visible(browser, record)
    assert "precision: almost" in record.text and "used by a rule in force" in record.text


def test_a_rule_link_opens_its_statutory_text(browser: Any, app_url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(app_url + "/dossiers/peru/2007")
    link = browser.find_element(By.CSS_SELECTOR, "#row-standard_1 a.rule-id")
    assert link.text == "standard-1.met"
    link.click()
    assert browser.current_url.endswith("/rules?year=2007#rule-standard-1.met")
    rule = browser.find_element(By.ID, "rule-standard-1.met")
    assert _visible(browser, rule)
    assert "TVPA §108(a)(1)" in rule.text
    assert "The government of the country should prohibit severe forms of trafficking" in rule.text
    browser.save_screenshot(str(artefact("app-rules-2007.png")))
    unverified = browser.find_element(By.ID, "rule-criterion-3.met")
    assert "[unverified]" in unverified.text


def test_the_report_opens_offline_and_links_within_itself(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    report = _report("Peru", 2007, tmp_path)
    browser.get(report.as_uri())
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    card = browser.find_element(By.ID, "summary")
    assert "Peru: Tier 2 (determined)" in card.text and "[unverified]" in card.text
    browser.save_screenshot(str(artefact("report-peru-2007.png")))
    browser.find_element(By.CSS_SELECTOR, "#row-standard_1 a.rule-id").click()
    text = browser.find_element(By.ID, "rule-standard-1.met")
    assert text.is_displayed() and _visible(browser, text)  # the collapsed rule opened
    browser.find_element(By.CSS_SELECTOR, "#finding-applicability > summary").click()
    browser.find_element(
        By.CSS_SELECTOR, "#finding-applicability a[href='#quote-minors-removed']"
    ).click()
    mark = browser.find_element(By.CSS_SELECTOR, "mark[data-records='minors-removed']")
    assert _visible(browser, mark)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_peru_prints_on_at_most_four_pages_with_the_summary_first(
    browser: Any, tmp_path: Path, paper: str
) -> None:
    browser.get(_report("Peru", 2007, tmp_path).as_uri())
    pdf = print_pdf(browser, paper)
    target = artefact(f"report-peru-2007-{paper}.pdf")
    target.write_bytes(pdf)
    pages = page_count(pdf)
    assert 1 <= pages <= 4, pages
    first = pdf_page_text(target, 1)
    for text in ("Peru: Tier 2", "Minimum standard 4", "Criterion 7", f"Page 1 of {pages}"):
        assert text in " ".join(first.split()), first
    assert f"Page {pages} of {pages}" in " ".join(pdf_page_text(target, pages).split())


def test_printed_text_is_never_clipped(browser: Any, tmp_path: Path) -> None:
    """Laid out for print at A4's printable width (the narrower paper), nothing overflows."""
    for country in ("Peru", "Bolivia"):
        browser.get(_report(country, 2007, tmp_path).as_uri())
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 690, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        )
        try:
            overflow = browser.execute_script(
                "const w = document.documentElement.clientWidth; const out = [];"
                "for (const el of document.querySelectorAll('body *')) {"
                "  const r = el.getBoundingClientRect();"
                "  if (r.width && (r.right > w + 1 || el.scrollWidth > el.clientWidth + 1 &&"
                "      getComputedStyle(el).overflowX !== 'visible')) out.push(el.tagName + ' ' + el.id);"
                "} return [document.documentElement.scrollWidth, w, out.slice(0, 5)];"
            )
        finally:
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        scroll, width, clipped = overflow
        assert scroll <= width and not clipped, (country, overflow)
