"""Open the HTML report in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright over the DevTools protocol) and tell what a person would see.

    python tests/report_browser.py output/report.html output/test-artifacts/report.png [WIDTH]   # prints JSON

Returns the console errors and uncaught exceptions, every request the page tried to make (the
page must make none), per chart its tenant, the number of traces, of values above zero and of
drawn marks (bars, line points, heat-map cells) and its width, and the layout at that width:
whether the page scrolls sideways, the headings, facts and tiles that are cut or stick out of
the window, and the Plotly toolbars showing (none: they covered the titles on a phone).
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
DESKTOP = (1280, 900)
PHONE = (390, 844)  # an iPhone 12 to 15's CSS pixels
COUNT_MARKS = """() => Array.from(document.querySelectorAll('section.chart')).map(section => {
    const plot = section.querySelector('.js-plotly-plot');
    const positive = t => t.type === 'heatmap' ? (t.z || []).flat().filter(v => v > 0).length
        : ((t.orientation === 'h' ? t.x : t.y) || []).filter(v => v > 0).length;
    return {
        id: section.dataset.chart,
        tenant: section.dataset.tenant,
        heading: section.querySelector('h3').innerText,
        traces: plot && plot.data ? plot.data.length : 0,
        values: plot && plot.data ? plot.data.reduce((n, t) => n + positive(t), 0) : 0,
        marks: plot ? plot.querySelectorAll('g.trace.bars g.point path, g.trace.scatter g.points path, g.hm image')
                          .length : 0,
        width: plot ? Math.round(plot.getBoundingClientRect().width) : 0,
    };
})"""
LAYOUT = """() => {
    const width = document.documentElement.clientWidth;
    const outside = e => { const r = e.getBoundingClientRect(); return r.left < -1 || r.right > width + 1; };
    return {
        viewport_width: width,
        page_width: document.documentElement.scrollWidth,
        cut: Array.from(document.querySelectorAll('h1, h2, h3, p.facts, .tile'))
            .filter(e => e.scrollWidth > e.clientWidth + 1 || outside(e)).map(e => e.innerText.slice(0, 80)),
        toolbars: Array.from(document.querySelectorAll('.modebar')).filter(e => e.getBoundingClientRect().width > 0)
            .length,
        tiles: Array.from(document.querySelectorAll('.tile')).map(e => e.innerText.replace(/\\s+/g, ' ').trim()),
    };
}"""


def inspect_report(page_path: Path, screenshot: Path | None = None, size: tuple[int, int] = DESKTOP) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {"console_errors": [], "page_errors": [], "requests": []}
    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary profile (--user-data-dir) and --headless.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.on("console", lambda m: m.type == "error" and seen["console_errors"].append(m.text))
            page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
            page.on("request", lambda r: not r.url.startswith(("file:", "data:", "blob:")) and seen["requests"].append(r.url))
            page.goto(Path(page_path).resolve().as_uri(), wait_until="load")
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length"
                                   " >= document.querySelectorAll('section.chart').length")
            seen["title"] = page.title()
            seen["lang"] = page.get_attribute("html", "lang")
            seen["facts"] = page.inner_text("p.facts")
            seen["ages"] = page.evaluate("() => [...document.querySelectorAll('p.age')].map(p => ({tenant: "
                                         "p.dataset.tenant, text: p.innerText, stale: p.classList.contains('stale')}))")
            seen["charts"] = page.evaluate(COUNT_MARKS)
            seen["layout"] = page.evaluate(LAYOUT)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return seen


def layout_problems(seen: dict) -> list[str]:
    """What a reader at that width cannot read: a page wider than the window, a cut heading or
    tile, a chart wider than the page, a toolbar over the charts."""
    layout = seen["layout"]
    problems = [f"the page scrolls sideways: {layout['page_width']} px in {layout['viewport_width']}"] \
        if layout["page_width"] > layout["viewport_width"] else []
    problems += [f"cut or outside the window: {text!r}" for text in layout["cut"]]
    problems += [f"chart {c['tenant']}/{c['id']} is {c['width']} px wide" for c in seen["charts"]
                 if not 0 < c["width"] <= layout["viewport_width"]]
    problems += [f"{layout['toolbars']} Plotly toolbars showing"] if layout["toolbars"] else []
    return problems


if __name__ == "__main__":
    width = int(sys.argv[3]) if len(sys.argv) > 3 else DESKTOP[0]
    size = PHONE if width == PHONE[0] else (width, DESKTOP[1])
    print(json.dumps(inspect_report(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None, size)))
