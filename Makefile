# segment — customer segmentation inside SQLite.
#
#   make            build dist/segment.so (load it with `.load ./dist/segment`)
#   make test       install what is missing, build, run every test
#   make demo       install what is missing, build the demo shop, print its segments
#   make report     the demo shop's HTML report (sql/reports/html_report.sql) in build/report.html
#   make install    copy dist/segment.so to $(PREFIX)/lib/sqlite3 (PREFIX=/usr/local)
#   make sanitize   the suite under AddressSanitizer and UBSan
#   make memcheck   the suite under valgrind
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each (tests/fuzz)
#   make bench      the benchmark (SIZE=S|M|L), see bench/run
#   make clean
#
# The extension links no SQLite library: the host process provides it.

CC      ?= cc
OPT     ?= -O2 -g
WARN     = -std=c99 -Wall -Wextra -Wpedantic -Werror
CFLAGS  += $(OPT) $(WARN) -pthread -D_POSIX_C_SOURCE=200809L
PREFIX  ?= /usr/local
LIBDIR   = $(PREFIX)/lib/sqlite3

CORE_SRC = $(sort $(wildcard ext/core/*.c))
CORE_HDR = $(wildcard ext/core/*.h)
GLUE_SRC = $(sort $(wildcard ext/*.c))
GLUE_HDR = $(wildcard ext/*.h)

UNIT_TESTS = $(patsubst tests/unit/%.c,build/unit/%,$(sort $(wildcard tests/unit/test_*.c)))
SQL_TESTS  = $(patsubst tests/sql/%.c,build/sql/%,$(sort $(wildcard tests/sql/test_*.c)))

.PHONY: all test unit sqltest pytest demo install clean deps sanitize memcheck fuzz

all: dist/segment.so

dist/segment.so: $(CORE_SRC) $(GLUE_SRC) $(CORE_HDR) $(GLUE_HDR)
	@mkdir -p dist
	$(CC) $(CFLAGS) -fPIC -shared -o $@ $(CORE_SRC) $(GLUE_SRC) -lm

# Unit tests: the pure core alone, no SQLite.
build/unit/%: tests/unit/%.c $(CORE_SRC) $(CORE_HDR) tests/unit/testutil.h tests/rng.h
	@mkdir -p build/unit
	$(CC) $(CFLAGS) -Iext/core -o $@ $< $(CORE_SRC) -lcmocka -lm

# Integration tests: a real SQLite connection that loads dist/segment.so.
build/sql/%: tests/sql/%.c $(wildcard tests/sql/*.h) tests/rng.h dist/segment.so
	@mkdir -p build/sql
	$(CC) $(CFLAGS) -Iext/core -o $@ $< -lsqlite3 -lcmocka -lm

build/gen_shop: examples/gen_shop.c
	@mkdir -p build
	$(CC) $(CFLAGS) -o $@ $< -lsqlite3 -lm

deps:
	@scripts/install-deps

unit: $(UNIT_TESTS)
	@scripts/run-tests $(UNIT_TESTS)

sqltest: $(SQL_TESTS) build/gen_shop
	@scripts/run-tests $(SQL_TESTS)

# Debian's python3: its sqlite3 module can load extensions (pyenv's often cannot).
pytest: dist/segment.so build/gen_shop
	@echo "== tests/python"
	@/usr/bin/python3 -m unittest discover -s tests/python -v

test: deps
	@$(MAKE) --no-print-directory dist/segment.so $(UNIT_TESTS) $(SQL_TESTS) build/gen_shop
	@$(MAKE) --no-print-directory pytest
	@scripts/run-tests $(UNIT_TESTS) $(SQL_TESTS)

# The whole suite built with AddressSanitizer and UBSan (extension and
# tests), into build/san; any report fails the run.
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_UNIT = $(patsubst build/unit/%,build/san/unit/%,$(UNIT_TESTS))
SAN_SQL  = $(patsubst build/sql/%,build/san/sql/%,$(SQL_TESTS))

build/san/segment.so: $(CORE_SRC) $(GLUE_SRC) $(CORE_HDR) $(GLUE_HDR)
	@mkdir -p build/san
	$(CC) $(CFLAGS) $(SAN) -fPIC -shared -o $@ $(CORE_SRC) $(GLUE_SRC) -lm

build/san/unit/%: tests/unit/%.c $(CORE_SRC) $(CORE_HDR) tests/unit/testutil.h
	@mkdir -p build/san/unit
	$(CC) $(CFLAGS) $(SAN) -Iext/core -o $@ $< $(CORE_SRC) -lcmocka -lm

build/san/sql/%: tests/sql/%.c $(wildcard tests/sql/*.h) build/san/segment.so
	@mkdir -p build/san/sql
	$(CC) $(CFLAGS) $(SAN) -Iext/core -o $@ $< -lsqlite3 -lcmocka -lm

sanitize:
	@scripts/install-deps ci
	@$(MAKE) --no-print-directory $(SAN_UNIT) $(SAN_SQL) build/gen_shop
	@for t in $(SAN_UNIT) $(SAN_SQL); do echo "== $$t"; \
	  SEGMENT_EXTENSION=./build/san/segment ASAN_OPTIONS=detect_leaks=1 ./$$t || exit 1; done
	@echo "sanitize: clean"

# The suite under valgrind, two tests at a time: any error or leak fails
# the run (each test's output in build/memcheck/<test>.log).  test_oom
# fails every 17th allocation only (OOM_STRIDE): all of them under
# valgrind would take most of an hour; make test and make sanitize do all.
MEMCHECK = valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
memcheck:
	@scripts/install-deps ci
	@$(MAKE) --no-print-directory dist/segment.so $(UNIT_TESTS) $(SQL_TESTS) build/gen_shop
	@mkdir -p build/memcheck
	@printf '%s\n' $(UNIT_TESTS) $(SQL_TESTS) | OOM_STRIDE=17 xargs -P 2 -I{} sh -c \
	  'log=build/memcheck/$$(basename {}).log; if $(MEMCHECK) ./{} > $$log 2>&1; \
	   then echo "== {}: clean"; else echo "== {}: FAILED (see $$log)"; exit 1; fi'
	@echo "memcheck: clean"

examples/shop.db: build/gen_shop
	rm -f $@ && ./build/gen_shop --size demo $@

demo: deps
	@$(MAKE) --no-print-directory dist/segment.so examples/shop.db
	sqlite3 -box examples/shop.db < examples/demo.sql

# The HTML report of the demo shop (docs/reports.md): segment bars and the
# migration heat map, written by sql/reports/html_report.sql.
.PHONY: report
report: deps
	@$(MAKE) --no-print-directory dist/segment.so examples/shop.db
	@mkdir -p build
	sqlite3 -cmd '.read examples/report_setup.sql' examples/shop.db < sql/reports/html_report.sql > build/report.html

install: dist/segment.so
	install -d $(DESTDIR)$(LIBDIR)
	install -m 0644 dist/segment.so $(DESTDIR)$(LIBDIR)/segment.so

clean:
	rm -rf dist build examples/shop.db

# Benchmark (not run by CI): make bench [SIZE=S|M|L] [RUNS=n]; see bench/run.
.PHONY: bench
bench: ; @SIZE='$(SIZE)' RUNS='$(RUNS)' bench/run

# Fuzzing with clang's libFuzzer: make fuzz [FUZZ_SECONDS=n] runs each
# target n seconds (default 60) on a copy of its seeds and replays the kept
# crashes; see tests/fuzz/run.
fuzz:
	@scripts/install-deps ci
	@FUZZ_SECONDS='$(FUZZ_SECONDS)' tests/fuzz/run
