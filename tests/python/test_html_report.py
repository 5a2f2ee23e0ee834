"""sql/reports/html_report.sql, opened in headless Chromium: are the charts drawn?

    /usr/bin/python3 -m unittest tests.python.test_html_report -v   (from the root; make pytest)

The report of a freshly generated demo shop is written with the command the
docs give, a copy gets a small script that measures every bar and heat-map
cell as Chromium lays them out, and Chromium's --dump-dom returns the
measurements.  They are checked against the page's own data- attributes
(drawn at all, widths proportional to the values, shades proportional to the
row shares) and against totals computed here with plain SQL over the shop's
tables (customers, revenue).  Skipped, saying why, without chromium.
(The figures themselves are checked against a reference in
tests/sql/test_reports.c.)
"""
import html
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

# Appended to a copy of the report: what the browser drew, as JSON in <pre id="check">.
CHECK_SCRIPT = """
<pre id="check"></pre>
<script>
function bars(id) {
  return Array.from(document.querySelectorAll('svg#' + id + ' rect.bar')).map(function (r) {
    var b = r.getBBox();
    return {segment: r.dataset.segment, value: Number(r.dataset.value),
            width: b.width, height: b.height, fill: getComputedStyle(r).fill};
  });
}
var cells = Array.from(document.querySelectorAll('#migration td[data-count]')).map(function (td) {
  var b = td.getBoundingClientRect();
  return {from: td.dataset.from, to: td.dataset.to, count: Number(td.dataset.count),
          width: b.width, height: b.height, background: getComputedStyle(td).backgroundColor};
});
document.getElementById('check').textContent = JSON.stringify({
  customers: bars('customers'), revenue: bars('revenue'), cells: cells,
  columns: document.querySelectorAll('#migration thead th').length - 2,
  rows: document.querySelectorAll('#migration tbody tr').length,
  title: document.title});
</script>
"""


def rgba_alpha(css):
    """The alpha of a computed CSS colour: 'rgba(r, g, b, a)' or 'rgb(r, g, b)'."""
    numbers = re.findall(r"[\d.]+", css)
    return float(numbers[3]) if len(numbers) == 4 else 1.0


@unittest.skipUnless(CHROMIUM, "chromium is not installed (apt-get install chromium; "
                               "scripts/install-deps hardening does it): the HTML report is not rendered")
class HtmlReportInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="segment-report-")
        cls.shop = os.path.join(cls.tmp, "shop.db")
        subprocess.run([os.path.join(ROOT, "build", "gen_shop"), "--size", "demo", cls.shop],
                       check=True, stderr=subprocess.DEVNULL)
        # The docs' command.
        with open(os.path.join(ROOT, "sql", "reports", "html_report.sql")) as script:
            page = subprocess.run(["sqlite3", "-cmd", ".read examples/report_setup.sql", cls.shop],
                                  stdin=script, check=True, capture_output=True, text=True,
                                  cwd=ROOT).stdout
        cls.page = page
        checked = os.path.join(cls.tmp, "checked.html")
        with open(checked, "w") as f:
            f.write(page.replace("</body>", CHECK_SCRIPT + "</body>"))
        profile = os.path.join(cls.tmp, "profile")
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + profile, "--dump-dom", "file://" + checked],
            check=True, capture_output=True, text=True, timeout=120).stdout
        found = re.search(r'<pre id="check">(.*?)</pre>', dom, re.S)
        cls.drawn = json.loads(html.unescape(found.group(1))) if found else None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def shop_value(self, sql):
        db = sqlite3.connect(self.shop)
        try:
            return db.execute(sql).fetchone()[0]
        finally:
            db.close()

    def test_page_is_a_whole_document(self):
        self.assertTrue(self.page.startswith("<!DOCTYPE html>\n<html"))
        self.assertTrue(self.page.rstrip().endswith("</html>"))
        self.assertNotIn("<script", self.page)          # the report itself needs no script
        self.assertIsNotNone(self.drawn, "the check script did not run")
        self.assertEqual(self.drawn["title"], "Customer segments as of 2025-01-01")

    def check_bars(self, bars, total):
        self.assertEqual(len(bars), 12)                 # rfm11's 11 segments and No orders
        biggest = max(b["value"] for b in bars)
        for b in bars:
            if b["value"] > 0:
                self.assertGreater(b["width"], 0, b)
                self.assertEqual(b["height"], 18, b)
            else:
                self.assertEqual(b["width"], 0, b)
            # Widths are proportional to the values: the biggest is 440 px.
            self.assertAlmostEqual(b["width"], 440 * max(b["value"], 0) / biggest, delta=0.06)
            self.assertNotIn(b["fill"], ("none", "rgba(0, 0, 0, 0)"))
        self.assertAlmostEqual(sum(b["value"] for b in bars), total, delta=0.005 * len(bars))

    def test_customer_bars_are_drawn(self):
        self.check_bars(self.drawn["customers"], self.shop_value("SELECT count(*) FROM customers"))

    def test_revenue_bars_are_drawn(self):
        revenue = self.shop_value("SELECT total(total) FROM orders WHERE status <> 'cancelled'"
                                  " AND date(created_at) <= '2025-01-01'")
        self.check_bars(self.drawn["revenue"], revenue)
        # Only No orders has no revenue, so 11 bars show.
        self.assertEqual(sum(1 for b in self.drawn["revenue"] if b["width"] > 0), 11)

    def test_heat_map_is_drawn(self):
        cells = self.drawn["cells"]
        self.assertEqual(len(cells), self.drawn["rows"] * self.drawn["columns"])
        self.assertEqual(self.drawn["columns"], 12)
        self.assertEqual(sum(c["count"] for c in cells),
                         self.shop_value("SELECT count(*) FROM customers"))
        row_totals = {}
        for c in cells:
            row_totals[c["from"]] = row_totals.get(c["from"], 0) + c["count"]
        for c in cells:
            self.assertGreater(c["width"], 0, c)
            self.assertGreater(c["height"], 0, c)
            # The shade is the cell's share of its row.
            self.assertAlmostEqual(rgba_alpha(c["background"]), c["count"] / row_totals[c["from"]],
                                   delta=0.006, msg=c)
        self.assertGreater(sum(1 for c in cells if c["count"] > 0 and c["from"] != c["to"]), 0,
                           "no customer changed segment")


if __name__ == "__main__":
    unittest.main()
