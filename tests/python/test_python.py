"""Python's sqlite3 module loads dist/segment and reads a segments table.

    /usr/bin/python3 -m unittest discover -s tests/python -v   (from the root)

The expected values are worked out in Python from the same rows, not read
from the extension.
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples"))
import python_demo  # noqa: E402


@unittest.skipUnless(hasattr(sqlite3.Connection, "enable_load_extension"),
                     "this Python cannot load SQLite extensions; run with /usr/bin/python3")
class LoadFromPython(unittest.TestCase):
    def test_segments_table_from_python(self):
        db = python_demo.connect(":memory:", os.path.join(ROOT, "dist", "segment"))
        orders = [(1, "2024-12-30", 100.0), (1, "2024-11-01", 50.0), (2, "2024-06-01", 20.0),
                  (3, "2023-01-01", 500.0), (3, "2024-12-01", None), (4, "2024-12-20", 30.0),
                  (5, "2024-12-31", 5.0), (6, "2022-05-05", 1000.0)]
        db.execute("CREATE TABLE orders(customer_id, created_at, total)")
        db.executemany("INSERT INTO orders VALUES(?, ?, ?)", orders)
        db.execute("""CREATE VIRTUAL TABLE shop USING segments(orders='orders',
            customer='customer_id', ordered_at='created_at', amount='total',
            as_of='2025-01-01')""")
        got = {r[0]: r[1:] for r in db.execute(
            "SELECT customer_id, recency_days, frequency, monetary, rfm, segment FROM shop")}
        # Worked by hand (see tests/sql/test_functions.c, quickstart): cut
        # points r 2,12,31,214; f 1,1,1,2; m 20,30,150,500.
        self.assertEqual(got[1], (2, 2, 150.0, 543, "Champions"))
        self.assertEqual(got[2], (214, 1, 20.0, 211, "Hibernating"))
        self.assertEqual(got[3], (31, 2, 500.0, 344, "Loyal Customers"))
        self.assertEqual(got[4], (12, 1, 30.0, 412, "Potential Loyalist"))
        self.assertEqual(got[5], (1, 1, 5.0, 511, "New Customers"))
        self.assertEqual(got[6], (972, 1, 1000.0, 115, "At Risk"))
        self.assertEqual(len(got), 6)
        db.close()

    def test_example_script_runs(self):
        with tempfile.TemporaryDirectory() as tmp:
            shop = os.path.join(tmp, "shop.db")
            subprocess.run([os.path.join(ROOT, "build", "gen_shop"), "--size", "demo", shop],
                           check=True, stderr=subprocess.DEVNULL)
            out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python_demo.py"), shop],
                                 check=True, capture_output=True, text=True, cwd=ROOT).stdout
            lines = out.splitlines()
            self.assertEqual(len(lines), 11)          # the 11 segments of rfm11
            self.assertTrue(lines[0].startswith("Champions"))


if __name__ == "__main__":
    unittest.main()
