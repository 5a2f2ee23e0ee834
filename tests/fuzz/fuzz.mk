# tests/fuzz/fuzz.mk — build the libFuzzer targets into build/fuzz.
# tests/fuzz/run (what `make fuzz` runs) calls it from the project root:
#
#   make -f tests/fuzz/fuzz.mk            # all four
#   make -f tests/fuzz/fuzz.mk build/fuzz/fuzz_dates
#
# Each target is one binary: the harness, the extension's sources it needs
# (compiled in, with coverage and the sanitizers, rather than loaded from
# a .so), and libFuzzer's main.  dates and breaks need only the core;
# options and functions link the glue and the system SQLite, and register
# the extension with sqlite3_auto_extension.

FUZZ_CC    ?= clang
FUZZ_FLAGS  = -g -O1 -fno-omit-frame-pointer \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -std=c99 -Wall -Wextra -Wpedantic -Werror -pthread -D_POSIX_C_SOURCE=200809L \
              -Iext/core

CORE_SRC = $(sort $(wildcard ext/core/*.c))
CORE_HDR = $(wildcard ext/core/*.h)
GLUE_SRC = $(sort $(wildcard ext/*.c))
GLUE_HDR = $(wildcard ext/*.h)

FUZZ_BINS = build/fuzz/fuzz_dates build/fuzz/fuzz_breaks \
            build/fuzz/fuzz_options build/fuzz/fuzz_functions

all: $(FUZZ_BINS)

build/fuzz/fuzz_dates: tests/fuzz/fuzz_dates.c tests/fuzz/fuzzutil.h ext/core/dates.c ext/core/dates.h
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_dates.c ext/core/dates.c -lm

build/fuzz/fuzz_breaks: tests/fuzz/fuzz_breaks.c tests/fuzz/fuzzutil.h ext/core/breaks.c ext/core/breaks.h ext/core/jsonread.c ext/core/jsonread.h ext/core/message.c ext/core/message.h ext/core/quantile.h
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_breaks.c ext/core/breaks.c ext/core/jsonread.c ext/core/message.c -lm

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzzutil.h $(CORE_SRC) $(CORE_HDR) $(GLUE_SRC) $(GLUE_HDR)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(GLUE_SRC) $(CORE_SRC) -lsqlite3 -lm

.PHONY: all
