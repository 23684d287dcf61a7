"""The docs site, built with --strict and opened in a real headless browser over HTTP.

Every page must render (its title, its heading, no "404") and every link or image on it that
stays inside the site must resolve to a built file, down to the anchor.
"""

from __future__ import annotations

import functools
import html
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from tests.support.graphviz import require_dot
from tests.support.programs import require_program

ROOT = Path(__file__).resolve().parents[2]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Rendered:
    """One page as the browser left it after running its scripts."""

    url: str
    dom: str


def browser() -> str:
    """Return a headless-capable Chromium; skip without one, or fail under CI=true."""
    return require_program(
        BROWSERS, "no Chromium to open the docs site in (apt-get install chromium)"
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test's output clean."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """Build the site with --strict and serve it; yield its folder and base URL."""
    require_dot()  # the build draws the demo's pictures with `orch graph`
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield out, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def pages(folder: Path, base: str) -> list[str]:
    """Return the URL of every page the build wrote (the 404 page aside)."""
    found = []
    for page in sorted(folder.rglob("*.html")):
        relative = page.relative_to(folder).as_posix()
        if relative == "404.html":
            continue
        found.append(urljoin(base, relative.removesuffix("index.html")))
    return found


def render(program: str, url: str, profile: Path) -> Rendered:
    """Return the page's DOM after Chromium has loaded it and run its scripts."""
    done = subprocess.run(
        [
            program,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, f"{url}: {done.stderr[-2000:]}"
    return Rendered(url, done.stdout)


@pytest.fixture(scope="module")
def rendered(site: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    """Open every page of the site in the browser, two at a time."""
    program = browser()
    folder, base = site
    urls = pages(folder, base)
    profiles = [tmp_path_factory.mktemp("profile") for _ in urls]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(functools.partial(render, program), urls, profiles))


def test_site_has_every_page_of_the_nav(site: tuple[Path, str]) -> None:
    folder, base = site
    urls = {url.removeprefix(base) for url in pages(folder, base)}
    assert {
        "",
        "getting-started/",
        "adopting-alembic/",
        "services/",
        "databases/",
        "pictures/",
        "deploying/",
        "audit/",
        "reference/commands/",
        "configuration/",
    } <= urls


def test_every_page_renders_its_title_and_heading(rendered: list[Rendered]) -> None:
    for page in rendered:
        title = re.search(r"<title>(.*?)</title>", page.dom, re.S)
        assert title is not None, page.url
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", page.dom, re.S)
        assert heading is not None, page.url
        # The heading's permalink (¶) is not part of its text.
        text = html.unescape(re.sub(r"<[^>]+>", "", heading.group(1))).strip().rstrip("¶")
        assert text, page.url
        assert html.unescape(title.group(1)).startswith(text), (page.url, title.group(1), text)
        assert "404 - Not found" not in page.dom, page.url
        # The page's scripts ran: the built file's <html class="no-js"> is gone.
        opening = re.search(r"<html[^>]*>", page.dom)
        assert opening is not None, page.url
        assert "no-js" not in opening.group(0), (page.url, opening.group(0))


def test_commands_page_lists_the_graph_command(rendered: list[Rendered]) -> None:
    (page,) = [p for p in rendered if p.url.endswith("/reference/commands/")]
    assert 'id="graph"' in page.dom
    assert "Usage: orch graph [OPTIONS]" in page.dom


def test_pictures_are_svg_drawn_by_graphviz(
    rendered: list[Rendered], site: tuple[Path, str]
) -> None:
    folder, _ = site
    (page,) = [p for p in rendered if p.url.endswith("/pictures/")]
    assert 'src="../images/demo-graph.svg"' in page.dom
    drawing = (folder / "images" / "demo-graph.svg").read_text()
    assert "<svg" in drawing
    assert "<title>e7c3f5a60d55</title>" in drawing  # the demo's merge point


def test_every_internal_link_resolves(rendered: list[Rendered], site: tuple[Path, str]) -> None:
    _, base = site
    fetched: dict[str, str] = {}
    checked = 0
    for page in rendered:
        for target in _internal_targets(page, base):
            address, fragment = urldefrag(target)
            if address not in fetched:
                fetched[address] = _fetch(address, page.url)
            if fragment:
                assert f'id="{fragment}"' in fetched[address], (page.url, target)
            checked += 1
    assert checked > 50  # the nav alone links every page from every page


def _internal_targets(page: Rendered, base: str) -> list[str]:
    """Return the absolute URLs of the page's links and images that stay inside the site."""
    found = []
    for attribute, escaped in re.findall(r'\b(href|src)="([^"]*)"', page.dom):
        value = html.unescape(escaped)
        if not value or value.startswith(("mailto:", "javascript:", "data:")):
            continue
        absolute = urljoin(page.url, value)
        if urlparse(absolute).netloc == urlparse(base).netloc:
            found.append(absolute)
        elif attribute == "src":
            pytest.fail(f"{page.url} loads {value} from outside the site")
    return found


def _fetch(address: str, referrer: str) -> str:
    """Return the text at address; a missing file fails, naming the page that links it."""
    try:
        with urllib.request.urlopen(address, timeout=10) as response:
            body: bytes = response.read()
    except urllib.error.HTTPError as error:
        pytest.fail(f"{referrer} links {address}: HTTP {error.code}")
    return body.decode(errors="replace")
