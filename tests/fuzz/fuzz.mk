# tests/fuzz/fuzz.mk — libFuzzer targets, built with clang and run
# (`make fuzz`: each for the seconds it takes to reach its plateau, see
# FUZZ_PLAN and tests/fuzz/README; FUZZ_SECONDS=N runs each N s).  Run
# from the top Makefile's `fuzz` target; needs clang (Debian package clang).
#
#   fuzz_soap    any bytes as an AXL or RisPort70 reply (the parser)
#   fuzz_ris     any bytes as RisPort70's selectCmDevice answer (ris.c)
#   fuzz_sql     any bytes as an executeSQLQuery inventory page (axl_read.c)
#   fuzz_store   any values in a stored phone row, read and decided
#   fuzz_cert    any bytes as a phone's certificate, described
#   fuzz_config  any bytes as a configuration file
#
# Each starts from its corpus, tests/fuzz/corpus/<name> (kept in git:
# make check replays every file of it through the target without
# libFuzzer); new inputs go to build-fuzz/corpus/<name>.  `make -f
# tests/fuzz/fuzz.mk merge` adds those that cover more to tests/fuzz/corpus.

FUZZ_SECONDS ?=
FUZZ_BUILD   := build-fuzz
FUZZ_CC      := clang
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined -std=c11 -D_DEFAULT_SOURCE \
                -DLSCRENEW_VERSION='"fuzz"' -I. \
                $(shell pkg-config --cflags libxml-2.0 libcurl) \
                -I/usr/include/iniparser
FUZZ_LIBS    := $(shell pkg-config --libs libcurl libxml-2.0 openssl sqlite3) \
                -liniparser
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_SRC := $(filter-out cli/main.c,$(wildcard axl/*.c axl/base/*.c reports/*.c \
                jobs/*.c cli/*.c)) tests/unit/fake_http.c
FUZZ_OBJ     := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
# each target's longest input (a reply page, a file, a certificate) and
# the seconds it takes to reach its plateau (tests/fuzz/README)
FUZZ_PLAN    := soap) echo 65536 600;; ris) echo 65536 3600;; \
                sql) echo 65536 3600;; config) echo 8192 2700;; \
                store) echo 4096 600;; cert) echo 16384 300;;
# the objects stay between targets and runs
.SECONDARY:

.PHONY: all run merge
all: run

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

run: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  set -- $$(case $$t in $(FUZZ_PLAN) esac) $(FUZZ_SECONDS); \
	  echo "== fuzz_$$t, $${3:-$$2} s"; \
	  $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$${3:-$$2} -max_len=$$1 \
	    -print_final_stats=1 $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	    2>$(FUZZ_BUILD)/fuzz_$$t.log || { tail -40 $(FUZZ_BUILD)/fuzz_$$t.log; exit 1; }; \
	  grep -E '^#[0-9]+ +(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss' \
	    $(FUZZ_BUILD)/fuzz_$$t.log | tail -3; \
	done

# adds what a run found that covers more; what is here stays (an input
# that once crashed a target stays a test)
merge: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_BUILD)/fuzz_$$t -merge=1 tests/fuzz/corpus/$$t \
	    $(FUZZ_BUILD)/corpus/$$t 2>/dev/null; \
	  echo "tests/fuzz/corpus/$$t: $$(ls tests/fuzz/corpus/$$t | wc -l) inputs"; \
	done
