# tests/fuzz/fuzz.mk — libFuzzer targets, built with clang and run
# (`make fuzz`; FUZZ_SECONDS per target, default 300: long enough for each
# to reach its plateau, see tests/fuzz/README).  Included from the top
# Makefile's `fuzz` target; needs clang (Debian package clang).
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
# tests/fuzz/fuzz.mk merge` folds them into tests/fuzz/corpus, minimised.

FUZZ_SECONDS ?= 300
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
# the longest input of each target (a reply page, a file, a certificate)
MAXLEN_soap   := 65536
MAXLEN_ris    := 65536
MAXLEN_sql    := 65536
MAXLEN_config := 8192
MAXLEN_store  := 4096
MAXLEN_cert   := 16384

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
	  echo "== fuzz_$$t, $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$$(case $$t in soap) echo $(MAXLEN_soap);; ris) echo $(MAXLEN_ris);; \
	      sql) echo $(MAXLEN_sql);; config) echo $(MAXLEN_config);; \
	      store) echo $(MAXLEN_store);; *) echo $(MAXLEN_cert);; esac) \
	    -print_final_stats=1 $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	    2>$(FUZZ_BUILD)/fuzz_$$t.log || { tail -40 $(FUZZ_BUILD)/fuzz_$$t.log; exit 1; }; \
	  grep -E '^#[0-9]+ +(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss' \
	    $(FUZZ_BUILD)/fuzz_$$t.log | tail -3; \
	done

merge: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/merged/$$t; \
	  $(FUZZ_BUILD)/fuzz_$$t -merge=1 $(FUZZ_BUILD)/merged/$$t \
	    tests/fuzz/corpus/$$t $(FUZZ_BUILD)/corpus/$$t 2>/dev/null; \
	  rm -rf tests/fuzz/corpus/$$t; mv $(FUZZ_BUILD)/merged/$$t tests/fuzz/corpus/$$t; \
	  echo "tests/fuzz/corpus/$$t: $$(ls tests/fuzz/corpus/$$t | wc -l) inputs"; \
	done
