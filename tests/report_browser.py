"""Open the HTML report in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright over the DevTools protocol) and tell what a person would see.

    python tests/report_browser.py output/report.html output/test-artifacts/report.png   # prints JSON

Returns the console errors and uncaught exceptions, every request the page tried to make (the
page must make none), and per chart the number of traces and of drawn marks (bars) in the SVG.
A script too, so suites running under another interpreter (tests/bigquery) can call it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a root user in a container with no network: no sandbox (root), nothing phoning home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COUNT_MARKS = """() => Array.from(document.querySelectorAll('section.chart')).map(section => {
    const plot = section.querySelector('.js-plotly-plot');
    return {
        id: section.dataset.chart,
        traces: plot && plot.data ? plot.data.length : 0,
        values: plot && plot.data ? plot.data.reduce((n, t) => n + ((t.orientation === 'h' ? t.x : t.y) || [])
                                    .filter(v => v > 0).length, 0) : 0,
        marks: plot ? plot.querySelectorAll('g.trace.bars g.point path').length : 0,
    };
})"""


def inspect_report(page_path: Path, screenshot: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {"console_errors": [], "page_errors": [], "requests": []}
    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary profile (--user-data-dir) and --headless.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: m.type == "error" and seen["console_errors"].append(m.text))
            page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
            page.on("request", lambda r: not r.url.startswith(("file:", "data:", "blob:")) and seen["requests"].append(r.url))
            page.goto(Path(page_path).resolve().as_uri(), wait_until="load")
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length"
                                   " >= document.querySelectorAll('section.chart').length")
            seen["title"] = page.title()
            seen["facts"] = page.inner_text("p.facts")
            seen["charts"] = page.evaluate(COUNT_MARKS)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(inspect_report(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)))
