"""python_demo.py — segment from Python's sqlite3 module.

    /usr/bin/python3 examples/python_demo.py examples/shop.db

Loads dist/segment into a connection, creates a segments table in temp
(the file is not changed) and prints the segment sizes as of 2025-01-01.

Python builds without loadable extensions (pyenv's default, some macOS
builds) have no Connection.enable_load_extension: use Debian's
/usr/bin/python3, or rebuild Python with
PYTHON_CONFIGURE_OPTS="--enable-loadable-sqlite-extensions".
"""
import sqlite3
import sys


def connect(path, extension="./dist/segment"):
    db = sqlite3.connect(path)
    if not hasattr(db, "enable_load_extension"):
        sys.exit("this Python's sqlite3 cannot load extensions: "
                 "use /usr/bin/python3 (see the docstring)")
    db.enable_load_extension(True)
    db.load_extension(extension)
    db.enable_load_extension(False)
    return db


def main():
    db = connect(sys.argv[1] if len(sys.argv) > 1 else "examples/shop.db")
    db.execute("""
        CREATE VIRTUAL TABLE temp.shop_rfm USING segments(
          orders='orders', customer='customer_id', ordered_at='created_at',
          amount='total', filter='status <> ''cancelled''', as_of='2025-01-01')""")
    rows = db.execute("""
        SELECT segment, count(*), round(sum(monetary))
        FROM shop_rfm GROUP BY 1 ORDER BY 3 DESC""").fetchall()
    for segment, customers, revenue in rows:
        print(f"{segment:20} {customers:6} {revenue:12.0f}")


if __name__ == "__main__":
    main()
