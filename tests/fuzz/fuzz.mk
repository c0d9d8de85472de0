# tests/fuzz/fuzz.mk — libFuzzer targets, built with clang and run briefly
# (`make fuzz`; FUZZ_SECONDS per target, default 60).  Included from the
# top Makefile's `fuzz` target; needs clang (Debian package clang).
#
#   fuzz_soap    any bytes as an AXL or RisPort70 reply
#   fuzz_config  any bytes as a configuration file
#
# Seeds are the unit tests' fixtures; new inputs go to build-fuzz/corpus.

FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_CC      := clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -std=c11 -D_DEFAULT_SOURCE \
                -DLSCRENEW_VERSION='"fuzz"' -I. \
                $(shell pkg-config --cflags libxml-2.0 libcurl) \
                -I/usr/include/iniparser
FUZZ_LIBS    := $(shell pkg-config --libs libcurl libxml-2.0 openssl sqlite3) \
                -liniparser

SOAP_SRC   := tests/fuzz/fuzz_soap.c $(wildcard axl/soap_*.c) $(wildcard axl/base/*.c)
CONFIG_SRC := tests/fuzz/fuzz_config.c $(filter-out cli/main.c,$(wildcard \
              cli/config*.c cli/secret.c)) jobs/policy.c $(wildcard axl/base/*.c)

.PHONY: all run
all: run

$(FUZZ_BUILD)/fuzz_soap: $(SOAP_SRC)
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(SOAP_SRC) $(FUZZ_LIBS)

$(FUZZ_BUILD)/fuzz_config: $(CONFIG_SRC)
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(CONFIG_SRC) $(FUZZ_LIBS)

run: $(FUZZ_BUILD)/fuzz_soap $(FUZZ_BUILD)/fuzz_config
	@mkdir -p $(FUZZ_BUILD)/corpus/soap $(FUZZ_BUILD)/corpus/config
	$(FUZZ_BUILD)/fuzz_soap -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=65536 $(FUZZ_BUILD)/corpus/soap tests/fixtures/axl \
	  tests/fixtures/ris
	$(FUZZ_BUILD)/fuzz_config -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=8192 $(FUZZ_BUILD)/corpus/config tests/fixtures/config
