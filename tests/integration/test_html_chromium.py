"""The HTML report in a real browser.

Until the command line renders reports, the page comes from the unit test
program: "build/tests/test_report --render-html OUT" writes the HTML report
of the fixed test store (tests/unit/fixture_store.c) and exits.  The page
is opened in headless Chromium twice: once to dump the DOM Chromium built
from it, to check that the charts and the left-behind table are there and
complete, and once to take a screenshot, kept as build/artifacts/report.png
for a person to look at.  A PDF print is made too, to prove the page
prints.

Chromium is required, not optional: without it the test fails and names
the Debian package (make check installs it).
"""

import html.parser
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

BIN = os.environ.get("LSCRENEW_BIN", os.path.join(TOP, "build", "lscrenew"))
BUILD = os.path.dirname(os.path.abspath(BIN))
RENDERER = os.path.join(BUILD, "tests", "test_report")
ARTIFACTS = os.path.join(BUILD, "artifacts")
FIXTURE_H = os.path.join(TOP, "tests", "unit", "fixture_store.h")

TIMEOUT = 120
FORECAST_MONTHS = 24
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


def fixture_number(name):
    """A #define of tests/unit/fixture_store.h: one source of truth."""
    with open(FIXTURE_H, encoding="utf-8") as f:
        m = re.search(r"^#define\s+%s\s+(\d+)" % name, f.read(), re.M)
    if m is None:
        raise AssertionError("%s not defined in %s" % (name, FIXTURE_H))
    return int(m.group(1))


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []
        self.text = []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find(self, tag=None, id=None, cls=None):
        return [n for n in self.walk()
                if (tag is None or n.tag == tag)
                and (id is None or n.attrs.get("id") == id)
                and (cls is None or cls in n.classes())]

    def all_text(self):
        return "".join(t for n in self.walk() for t in n.text)


class TreeBuilder(html.parser.HTMLParser):
    """The DOM as Chromium serialised it, as a tree of Nodes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text.append(data)


def chromium_args(profile):
    return [shutil.which("chromium"), "--headless", "--no-sandbox",
            "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            "--no-first-run", "--user-data-dir=" + profile]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise AssertionError("%s is not a PNG file" % path)
    return struct.unpack(">II", head[16:24])


class HtmlInChromium(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if shutil.which("chromium") is None:
            raise AssertionError(
                "chromium not found: install the Debian package chromium "
                "(apt-get install chromium; 'make check' installs it)")
        if not os.access(RENDERER, os.X_OK):
            raise AssertionError(
                "%s missing: build it with 'make %s'" %
                (RENDERER, os.path.relpath(RENDERER, TOP)))
        cls.tmp = tempfile.mkdtemp(prefix="lscrenew-html-")
        cls.page = os.path.join(cls.tmp, "report.html")
        r = subprocess.run([RENDERER, "--render-html", cls.page],
                           capture_output=True, text=True, timeout=TIMEOUT)
        if r.returncode != 0:
            raise AssertionError("test_report --render-html failed: %s" %
                                 r.stderr)
        cls.url = "file://" + cls.page
        r = subprocess.run(chromium_args(os.path.join(cls.tmp, "p1")) +
                           ["--dump-dom", cls.url], capture_output=True,
                           text=True, timeout=TIMEOUT)
        if r.returncode != 0 or "<html" not in r.stdout:
            raise AssertionError("chromium --dump-dom failed (%d): %s" %
                                 (r.returncode, r.stderr[-2000:]))
        tb = TreeBuilder()
        tb.feed(r.stdout)
        tb.close()
        cls.dom = tb.root

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def one(self, **kw):
        found = self.dom.find(**kw)
        self.assertEqual(len(found), 1, "expected one element %r, found %d" %
                         (kw, len(found)))
        return found[0]

    def test_forecast_chart(self):
        svg = self.one(tag="svg", id="chart-forecast")
        self.assertIn("chart", svg.classes())
        bars = svg.find(tag="rect", cls="bar")
        # one bar for the LSCs already expired, one per month
        self.assertEqual(len(bars), FORECAST_MONTHS + 1)
        self.assertEqual(len(svg.find(tag="rect", cls="bar-expired")), 1)
        self.assertTrue(all(b.find(tag="title") for b in bars),
                        "every bar has a tooltip")
        self.assertTrue(any(int(b.attrs["height"]) > 0 for b in bars))

    def test_states_chart(self):
        svg = self.one(tag="svg", id="chart-states")
        pools = svg.find(tag="g", cls="pool")
        self.assertEqual(len(pools), 4)
        segs = svg.find(tag="rect", cls="seg")
        self.assertGreater(len(segs), len(pools))
        states = {c for s in segs for c in s.classes() if c.startswith("s-")}
        self.assertIn("s-left_behind", states)
        self.assertIn("s-renewed", states)

    def test_left_behind_table(self):
        table = self.one(tag="table", id="left-behind")
        tbody = table.find(tag="tbody")
        self.assertEqual(len(tbody), 1)
        rows = [r for r in tbody[0].find(tag="tr")]
        self.assertEqual(len(rows), fixture_number("FIXTURE_LEFT_BEHIND"))
        self.assertTrue(all("lb-row" in r.classes() for r in rows))
        head = [th.all_text().strip()
                for th in table.find(tag="thead")[0].find(tag="th")]
        for col in ("Name", "Device pool", "LSC expires", "Days", "State",
                    "Reason"):
            self.assertIn(col, head)
        # most urgent first: the longest expired LSC leads
        self.assertIn("SEP00A1B2C3D40A", rows[0].all_text())

    def test_page_is_self_contained_and_escaped(self):
        self.assertEqual(self.dom.find(tag="script"), [])
        self.assertEqual(self.dom.find(tag="link"), [])
        for n in self.dom.walk():
            for a in ("src", "href"):
                self.assertNotIn(a, n.attrs, "%s has %s" % (n.tag, a))
        # a hostile description is text, not markup
        self.assertEqual(self.dom.find(tag="b"), [])
        self.assertIn('Lobby <b>"Guest"</b>', self.dom.all_text())
        self.one(tag="section", id="tiles")
        self.one(tag="table", id="summary")
        self.one(tag="table", id="runs")
        title = self.one(tag="head").find(tag="title")
        self.assertEqual(len(title), 1)
        self.assertIn("LSC renewal report", title[0].all_text())

    def test_screenshot_and_print(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        png = os.path.join(ARTIFACTS, "report.png")
        pdf = os.path.join(self.tmp, "report.pdf")
        if os.path.exists(png):
            os.unlink(png)
        r = subprocess.run(chromium_args(os.path.join(self.tmp, "p2")) +
                           ["--screenshot=" + png, "--window-size=1280,2000",
                            "--hide-scrollbars", self.url],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(png_size(png), (1280, 2000))
        r = subprocess.run(chromium_args(os.path.join(self.tmp, "p3")) +
                           ["--print-to-pdf=" + pdf, "--no-pdf-header-footer",
                            self.url],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        with open(pdf, "rb") as f:
            self.assertEqual(f.read(5), b"%PDF-")


if __name__ == "__main__":
    unittest.main()
