"""ab_test() and kmeans_fit() checked against an independent computation:
SciPy (Debian's python3-scipy) and NumPy on random data sets.

    /usr/bin/python3 -m unittest tests/python/test_scipy_check.py -v   (from the root)
    make pytest                                                        (all Python tests)

Without SciPy the tests skip and say so (apt-get install python3-scipy).

What SciPy computes here, from the same rows, without the extension:
  - two variants: Pearson's chi-square of the 2x2 table without continuity
    correction (scipy.stats.chi2_contingency), whose statistic is z^2 and
    whose p-value is the pooled z-test's; the unpooled 95% interval from
    scipy.stats.norm.ppf;
  - more variants: the chi-square test of independence, its df;
  - values: Welch's t-test (scipy.stats.ttest_ind, equal_var=False), the
    interval from scipy.stats.t.ppf at the Welch-Satterthwaite df;
  - k-means: scipy.cluster.vq.kmeans2 started from the model's centroids
    stays there (the model is a fixed point of Lloyd's iterations); the
    silhouette and the standardization recomputed with NumPy; on blobs far
    apart, SciPy's own k-means++ finds the same partition.
"""
import json
import os
import random
import sqlite3
import unittest

try:
    import numpy as np
    from scipy import stats
    from scipy.cluster.vq import kmeans2
    HAVE_SCIPY = True
except ImportError:
    HAVE_SCIPY = False

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAN_LOAD = hasattr(sqlite3.Connection, "enable_load_extension")

SKIP_REASON = ("scipy is not installed: the independent check of ab_test and kmeans_fit "
               "needs it (apt-get install python3-scipy)")


def connect():
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(os.path.join(ROOT, "dist", "segment"))
    db.enable_load_extension(False)
    return db


def close(a, b, rel, abs_=0.0):
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


@unittest.skipUnless(CAN_LOAD, "this Python cannot load SQLite extensions; run with /usr/bin/python3")
@unittest.skipUnless(HAVE_SCIPY, SKIP_REASON)
class AbTestAgainstScipy(unittest.TestCase):
    def setUp(self):
        self.db = connect()
        self.db.execute("CREATE TABLE t(v, c, x)")
        self.rng = random.Random(20250101)

    def tearDown(self):
        self.db.close()

    def run_test(self, rows):
        self.db.execute("DELETE FROM t")
        self.db.executemany("INSERT INTO t VALUES(?, ?, ?)", rows)
        (j,) = self.db.execute("SELECT ab_test(v, c, x) FROM t").fetchone()
        return json.loads(j)

    def test_two_variants(self):
        for trial in range(80):
            na, nb = self.rng.randint(20, 3000), self.rng.randint(20, 3000)
            pa, pb = self.rng.uniform(0.02, 0.6), self.rng.uniform(0.02, 0.6)
            rows = [("control", int(self.rng.random() < pa), self.rng.gauss(50, 20)) for _ in range(na)]
            rows += [("offer", int(self.rng.random() < pb), self.rng.lognormvariate(3.5, 0.8))
                     for _ in range(nb)]
            r = self.run_test(rows)
            xa = sum(c for v, c, _ in rows if v == "control")
            xb = sum(c for v, c, _ in rows if v == "offer")
            with self.subTest(trial=trial, na=na, nb=nb, xa=xa, xb=xb):
                table = np.array([[xa, na - xa], [xb, nb - xb]])
                chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
                self.assertTrue(close(r["z"] ** 2, chi2, 1e-10))
                self.assertTrue(close(r["p_value"], p, 1e-9, 1e-300), (r["p_value"], p))
                ra, rb = xa / na, xb / nb
                se = np.sqrt(ra * (1 - ra) / na + rb * (1 - rb) / nb)
                q = stats.norm.ppf(0.975)
                self.assertTrue(close(r["difference"], rb - ra, 1e-12, 1e-15))
                self.assertTrue(close(r["ci_low"], rb - ra - q * se, 1e-10, 1e-14))
                self.assertTrue(close(r["ci_high"], rb - ra + q * se, 1e-10, 1e-14))

                a = np.array([x for v, _, x in rows if v == "control"])
                b = np.array([x for v, _, x in rows if v == "offer"])
                w = stats.ttest_ind(b, a, equal_var=False)
                val = r["value"]
                self.assertEqual(val["test"], "welch t-test")
                self.assertTrue(close(val["t"], w.statistic, 1e-9))
                self.assertTrue(close(val["p_value"], w.pvalue, 1e-8, 1e-300), (val["p_value"], w.pvalue))
                va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
                df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
                self.assertTrue(close(val["df"], df, 1e-9))
                half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
                diff = b.mean() - a.mean()
                self.assertTrue(close(val["ci_low"], diff - half, 1e-8))
                self.assertTrue(close(val["ci_high"], diff + half, 1e-8))
                self.assertTrue(close(val["variants"][0]["mean"], a.mean(), 1e-11))
                self.assertTrue(close(val["variants"][1]["sd"], b.std(ddof=1), 1e-9))

    def test_small_samples_and_tails(self):
        # Few rows (large t quantiles, few degrees of freedom) and big
        # differences (tiny p-values).
        for trial in range(100):
            na, nb = self.rng.randint(2, 8), self.rng.randint(2, 8)
            shift = self.rng.choice([0, 1, 5, 30])
            rows = [(1, self.rng.randint(0, 1), self.rng.gauss(0, 1)) for _ in range(na)]
            rows += [(2, self.rng.randint(0, 1), self.rng.gauss(shift, self.rng.choice([0.1, 1, 10])))
                     for _ in range(nb)]
            r = self.run_test(rows)
            a = np.array([x for v, _, x in rows if v == 1])
            b = np.array([x for v, _, x in rows if v == 2])
            w = stats.ttest_ind(b, a, equal_var=False)
            with self.subTest(trial=trial):
                self.assertTrue(close(r["value"]["t"], w.statistic, 1e-9))
                self.assertTrue(close(r["value"]["p_value"], w.pvalue, 1e-8, 1e-300),
                                (r["value"]["p_value"], w.pvalue))

    def test_many_variants(self):
        for trial in range(60):
            k = self.rng.randint(3, 12)
            rows, table = [], []
            for i in range(k):
                p = self.rng.uniform(0.05, 0.5)
                c = [int(self.rng.random() < p) for _ in range(self.rng.randint(30, 1000))]
                rows += [(f"v{i:02d}", ci, None) for ci in c]
                table.append([sum(c), len(c) - sum(c)])
            r = self.run_test(rows)
            table = np.array(table)
            chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
            with self.subTest(trial=trial, k=k):
                self.assertEqual(r["test"], "chi-square test of independence")
                self.assertEqual(r["df"], dof)
                self.assertTrue(close(r["chi2"], chi2, 1e-10))
                self.assertTrue(close(r["p_value"], p, 1e-9, 1e-300), (r["p_value"], p))


@unittest.skipUnless(CAN_LOAD, "this Python cannot load SQLite extensions; run with /usr/bin/python3")
@unittest.skipUnless(HAVE_SCIPY, SKIP_REASON)
class KmeansAgainstScipy(unittest.TestCase):
    def setUp(self):
        self.db = connect()
        self.rng = np.random.default_rng(8)

    def tearDown(self):
        self.db.close()

    def fit(self, points, k):
        self.db.execute("DROP TABLE IF EXISTS p")
        self.db.execute("CREATE TABLE p(id INTEGER PRIMARY KEY, f)")
        self.db.executemany("INSERT INTO p(f) VALUES(?)",
                            [(json.dumps([float(v) for v in row]),) for row in points])
        (model,) = self.db.execute("SELECT kmeans_fit(f, ?) FROM p", (k,)).fetchone()
        labels = [c - 1 for (c,) in self.db.execute(
            "SELECT kmeans_assign(?, f) FROM p ORDER BY id", (model,))]
        return json.loads(model), np.array(labels)

    def test_fixed_point_and_silhouette(self):
        for trial in range(8):
            n, d = int(self.rng.integers(50, 400)), int(self.rng.integers(1, 5))
            points = self.rng.lognormal(0, 1, size=(n, d)) * self.rng.uniform(1, 100, size=d)
            k = int(self.rng.integers(2, 7))
            m, labels = self.fit(points, k)
            with self.subTest(trial=trial, n=n, d=d, k=k):
                mean, sd = points.mean(axis=0), points.std(axis=0)
                self.assertTrue(np.allclose(m["mean"], mean, rtol=1e-12))
                self.assertTrue(np.allclose(m["sd"], sd, rtol=1e-10))
                z = (points - mean) / sd
                cent = np.array(m["centroids_std"])
                # One more Lloyd iteration by SciPy from the model changes nothing.
                cent2, labels2 = kmeans2(z, cent, iter=1, minit="matrix")
                self.assertTrue(np.array_equal(labels, labels2))
                self.assertTrue(np.allclose(cent, cent2, rtol=0, atol=1e-9))
                self.assertEqual(m["sizes"], np.bincount(labels, minlength=k).tolist())
                # Silhouette from its definition.
                dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
                s = np.zeros(n)
                for i in range(n):
                    own = labels == labels[i]
                    if own.sum() < 2:
                        continue
                    a = dist[i, own].sum() / (own.sum() - 1)
                    b = min(dist[i, labels == c].mean() for c in range(k)
                            if c != labels[i] and (labels == c).any())
                    s[i] = (b - a) / max(a, b)
                self.assertTrue(abs(m["silhouette"] - s.mean()) < 1e-9)

    def test_blobs_same_partition_as_scipy(self):
        centers = np.array([[0, 0, 0], [40, 0, 0], [0, 40, 0], [0, 0, 40]], dtype=float)
        points = np.concatenate([c + self.rng.normal(0, 1, size=(150, 3)) for c in centers])
        m, labels = self.fit(points, 0)
        self.assertEqual(m["k"], 4)
        z = (points - points.mean(axis=0)) / points.std(axis=0)
        _, theirs = kmeans2(z, 4, minit="++", seed=1)
        # The same partition: each of our clusters is exactly one of theirs.
        pairs = set(zip(labels.tolist(), theirs.tolist()))
        self.assertEqual(len(pairs), 4)
        self.assertEqual(len({a for a, _ in pairs}), 4)
        self.assertEqual(len({b for _, b in pairs}), 4)


if __name__ == "__main__":
    unittest.main()
