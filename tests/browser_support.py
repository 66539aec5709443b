"""Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium, for the
end-to-end tests. Missing browser: the tests fail under CI (CI=true), and are skipped with the
reason elsewhere. Screenshots and PDFs go to artefacts/ (ignored by git)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import support

CHROMIUM = Path(os.environ.get("TIP_ASSESS_CHROMIUM", "/usr/bin/chromium"))
DRIVER = Path(os.environ.get("TIP_ASSESS_CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTEFACTS = support.ROOT / "artefacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1400",
]
PAPER_CM = {"A4": (21.0, 29.7), "Letter": (21.59, 27.94)}


def require(*tools: Path | str) -> None:
    """Fail under CI, skip elsewhere, when a tool the test needs is not installed."""
    missing = [str(t) for t in tools if not (Path(t).exists() or shutil.which(str(t)))]
    if missing:
        message = f"not installed: {', '.join(missing)} (.ci/run installs them with apt-get)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def chromium() -> Iterator[object]:
    require(CHROMIUM, DRIVER)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="tip-assess-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
        driver.set_page_load_timeout(120)
        try:
            yield driver
        finally:
            driver.quit()


def artefact(name: str) -> Path:
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS / name


def print_pdf(driver: object, paper: str) -> bytes:
    """The page printed by Chromium on `paper` (A4 or Letter), as PDF bytes."""
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width, options.page_height = PAPER_CM[paper]
    options.background = True
    return base64.b64decode(driver.print_page(options))  # type: ignore[attr-defined]


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def pdf_page_text(path: Path, page: int) -> str:
    require("pdftotext")
    done = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout
