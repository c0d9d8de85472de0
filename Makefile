# lscrenew — the only build file (GNU make).
#
#   make            build build/lscrenew
#   make demo       simulator + a real renewal campaign, end to end
#   make check      source shape + unit tests (cmocka) + simulator tests
#                   + integration scenarios
#                   + the Debian package (lintian, contents, a run from it)
#   make bench      cost at 1,000 / 10,000 / 40,000 phones, and of an audit of
#                   1,000 / 5,000 phone web servers (not part of check)
#   make asan       the unit and integration tests under AddressSanitizer + UBSan
#                   (make check runs the unit tests so: check-unit-asan)
#   make valgrind   the unit tests under valgrind
#   make fuzz       build the fuzz targets and run each to its plateau (3.3 h;
#                   make check replays their corpora without libFuzzer)
#   make lint       cppcheck + mandoc -Tlint
#   make deb        build/lscrenew_VERSION_ARCH.deb (lintian-clean; checked by make check)
#   make install / uninstall   (PREFIX, DESTDIR): binary, man pages, examples,
#                   systemd units, sysusers.d and tmpfiles.d files
#
# `make demo` and `make check` first install what they need (`make deps`):
# apt-get when run as root, otherwise one message naming the packages.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DOCDIR    ?= $(PREFIX)/share/doc/lscrenew
LIBDIR    ?= $(PREFIX)/lib
UNITDIR   ?= $(LIBDIR)/systemd/system

CC        ?= cc
BUILD     ?= build
PYTHON    := /usr/bin/python3
VERSION   := 0.2.0

WARN      := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2
ifeq ($(WERROR),1)
WARN      += -Werror
endif
OPT       ?= -O2 -g
HARDEN    := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CFLAGS    ?=
CPPFLAGS  ?=
LDFLAGS   ?=

# Debian packages the build, the tests and the demo need.
BUILD_PKGS := build-essential pkg-config libcurl4-openssl-dev libxml2-dev libssl-dev \
              libiniparser-dev libsqlite3-dev libcmocka-dev
SIM_PKGS   := python3 python3-lxml python3-cryptography
DEB_PKGS   := dpkg-dev lintian systemd
CHECK_PKGS := $(BUILD_PKGS) $(SIM_PKGS) sqlite3 mandoc chromium fonts-dejavu-core strace \
              $(DEB_PKGS)
DEMO_PKGS  := $(BUILD_PKGS) $(SIM_PKGS)

# Goals that must work before any library is installed.
NOLIB_GOALS := deps deps-check deps-demo clean help check demo uninstall fuzz lint

ifeq ($(filter-out $(NOLIB_GOALS),$(or $(MAKECMDGOALS),all)),)
else
PKGS_NEEDED := libcurl:libcurl4-openssl-dev libxml-2.0:libxml2-dev openssl:libssl-dev \
               sqlite3:libsqlite3-dev
$(foreach p,$(PKGS_NEEDED),$(if $(shell pkg-config --exists $(word 1,$(subst :, ,$(p))) && echo y),,\
  $(error $(word 1,$(subst :, ,$(p))) not found: install the Debian package $(word 2,$(subst :, ,$(p))) (or run 'make deps' as root))))
ifeq ($(wildcard /usr/include/iniparser/iniparser.h),)
$(error iniparser not found: install the Debian package libiniparser-dev (or run 'make deps' as root))
endif
endif

LIB_CFLAGS := $(shell pkg-config --cflags libcurl libxml-2.0 openssl sqlite3 2>/dev/null) \
              -I/usr/include/iniparser
LIB_LIBS   := $(shell pkg-config --libs libcurl libxml-2.0 openssl sqlite3 2>/dev/null) -liniparser
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

ALL_CPPFLAGS := -I. -D_DEFAULT_SOURCE -DLSCRENEW_VERSION='"$(VERSION)"' $(CPPFLAGS)
ALL_CFLAGS   := -std=c11 $(WARN) $(OPT) $(HARDEN) -MMD -MP $(LIB_CFLAGS) $(CFLAGS)
ALL_LDFLAGS  := -pie -Wl,-z,relro,-z,now $(LDFLAGS)

AXL_SRC     := $(wildcard axl/*.c axl/base/*.c)
JOBS_SRC    := $(wildcard jobs/*.c)
REPORTS_SRC := $(wildcard reports/*.c)
CLI_SRC     := $(wildcard cli/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_HELP   := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBAXL     := $(BUILD)/libaxl.a
LIBJOBS    := $(BUILD)/libjobs.a
LIBREPORTS := $(BUILD)/libreports.a
LIBCLI     := $(BUILD)/libcli.a
BIN        := $(BUILD)/lscrenew
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# each fuzz target without libFuzzer, replaying its corpus (tests/fuzz/)
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BINS  := $(patsubst %,$(BUILD)/tests/replay_%,$(FUZZ_TARGETS))
MODLIBS    := $(LIBCLI) $(LIBREPORTS) $(LIBJOBS) $(LIBAXL)

.PHONY: all deps deps-check deps-demo check check-source check-unit check-sim check-integration \
        check-deb check-unit-asan deb demo bench asan valgrind fuzz lint install uninstall clean help FORCE
.DEFAULT_GOAL := all
# keep the test objects make would otherwise delete as intermediates
.SECONDARY:

all: $(BIN)

# Objects are built with -DLSCRENEW_VERSION: a new VERSION rebuilds them.
# The stamp is rewritten only when VERSION changes (as git's GIT-CFLAGS).
$(BUILD)/version: FORCE
	@mkdir -p $(dir $@); [ "$$(cat $@ 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" >$@
FORCE:

$(BUILD)/obj/%.o: %.c $(BUILD)/version
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c $(BUILD)/version
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -c -o $@ $<

$(LIBAXL): $(call obj,$(AXL_SRC))
$(LIBJOBS): $(call obj,$(JOBS_SRC))
$(LIBREPORTS): $(call obj,$(REPORTS_SRC))
$(LIBCLI): $(call obj,$(filter-out cli/main.c,$(CLI_SRC)))
$(MODLIBS):
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(call obj,cli/main.c) $(MODLIBS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

# One cmocka executable per module; each links every module archive it may
# need plus the shared test helpers (fake transport, fixtures loader).
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(call obj,$(UNIT_HELP)) $(MODLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/replay_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay.o \
    $(call obj,$(UNIT_HELP)) $(MODLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

# --- dependencies -------------------------------------------------------

# Installs missing Debian packages (root) or names them (non-root).
define install_pkgs
	@mkdir -p $(BUILD); missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "lscrenew: installing Debian packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; } >$(BUILD)/apt.log 2>&1 \
	    || { cat $(BUILD)/apt.log; echo "lscrenew: apt-get failed for:$$missing" >&2; exit 1; }; \
	else \
	  echo "lscrenew: missing Debian packages; install them with:" >&2; \
	  echo "  sudo apt-get install$$missing" >&2; exit 1; \
	fi
endef

deps: deps-check
deps-check:
	$(call install_pkgs,$(CHECK_PKGS))
deps-demo:
	$(call install_pkgs,$(DEMO_PKGS))

# --- the two commands -----------------------------------------------------

demo: deps-demo
	@$(MAKE) --no-print-directory $(BIN)
	@$(PYTHON) tests/demo.py --bin $(BIN)

check: deps-check
	@$(MAKE) --no-print-directory check-source check-unit check-unit-asan check-sim \
	  check-integration check-deb

# The shape of the sources: no two files that use each other, no function
# over 120 lines (tests/source/).  Also the size of the product (issue 13's
# budget: 20,000 lines), shown, not enforced.
check-source: $(BIN)
	@echo "== source shape"
	@$(PYTHON) tests/source/cycles.py $(BUILD)/obj
	@$(PYTHON) tests/source/funclen.py
	@echo "product code: $$(cat $(sort $(wildcard $(addsuffix /*.[ch],cli axl axl/base jobs reports))) | wc -l) lines (cli axl jobs reports, *.c *.h)"

check-unit: $(BIN) $(UNIT_BINS) $(REPLAY_BINS)
	@set -e; for t in $(UNIT_BINS); do \
	  echo "== $$t"; LSCRENEW_FIXTURES=tests/fixtures $$t; done
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz corpus $$t"; $(BUILD)/tests/replay_$$t tests/fuzz/corpus/$$t; done

check-sim:
	@echo "== simulator tests"
	@$(PYTHON) -m unittest discover -s tests/cucmsim -p 'test_*.py'

check-integration: $(BIN)
	@echo "== integration scenarios"
	@LSCRENEW_BIN=$(abspath $(BIN)) $(PYTHON) -m unittest discover -s tests/integration -p 'test_*.py'

bench: deps-demo
	@$(MAKE) --no-print-directory $(BIN)
	@$(PYTHON) tests/bench/bench.py --bin $(BIN)
	@$(PYTHON) tests/bench/probe_bench.py --bin $(BIN)

SAN_MAKE := $(MAKE) --no-print-directory BUILD=build-asan \
  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  LDFLAGS="-fsanitize=address,undefined"

# The unit tests under ASan+UBSan: any memory error or undefined behaviour
# fails make check (the build goes to build-asan).
check-unit-asan:
	@echo "== unit tests under ASan+UBSan"
	@$(SAN_MAKE) check-unit

asan:
	@$(SAN_MAKE) check-unit check-integration

valgrind: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== valgrind $$t"; \
	  LSCRENEW_FIXTURES=tests/fixtures valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite $$t; done

fuzz:
	$(call install_pkgs,clang)
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk

lint:
	$(call install_pkgs,cppcheck mandoc)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	  --suppress=missingIncludeSystem -I. cli axl jobs reports
	mandoc -Tlint -W warning cli/lscrenew.1 cli/lscrenew.conf.5

# --- install ----------------------------------------------------------------

# Installed text files name the installed binary (the sources say
# /usr/local/bin) and the man pages carry the Makefile's VERSION in .Os.
define install_text
	sed -e 's|/usr/local/bin/lscrenew|$(BINDIR)/lscrenew|' \
	    -e 's/^\.Os$$/.Os lscrenew $(VERSION)/' $(1) >$(2) && chmod 0644 $(2)
endef

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LIBDIR)/sysusers.d \
	  $(DESTDIR)$(LIBDIR)/tmpfiles.d
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/lscrenew
	$(call install_text,cli/lscrenew.1,$(DESTDIR)$(MANDIR)/man1/lscrenew.1)
	$(call install_text,cli/lscrenew.conf.5,$(DESTDIR)$(MANDIR)/man5/lscrenew.conf.5)
	$(call install_text,etc/lscrenew.cron,$(DESTDIR)$(DOCDIR)/examples/lscrenew.cron)
	$(call install_text,etc/lscrenew.service,$(DESTDIR)$(UNITDIR)/lscrenew.service)
	install -m 0644 etc/lscrenew.timer $(DESTDIR)$(UNITDIR)/lscrenew.timer
	install -m 0644 etc/lscrenew.conf.example $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 etc/lscrenew.sysusers $(DESTDIR)$(LIBDIR)/sysusers.d/lscrenew.conf
	install -m 0644 etc/lscrenew.tmpfiles $(DESTDIR)$(LIBDIR)/tmpfiles.d/lscrenew.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lscrenew $(DESTDIR)$(MANDIR)/man1/lscrenew.1 \
	  $(DESTDIR)$(MANDIR)/man5/lscrenew.conf.5 $(DESTDIR)$(UNITDIR)/lscrenew.service \
	  $(DESTDIR)$(UNITDIR)/lscrenew.timer $(DESTDIR)$(LIBDIR)/sysusers.d/lscrenew.conf \
	  $(DESTDIR)$(LIBDIR)/tmpfiles.d/lscrenew.conf
	rm -rf $(DESTDIR)$(DOCDIR)

# --- Debian package -------------------------------------------------------

DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB      := $(BUILD)/lscrenew_$(VERSION)_$(DEB_ARCH).deb
DEB_TMP  := $(BUILD)/deb
DEB_ROOT := $(DEB_TMP)/debian/lscrenew
DEB_DOC  := $(DEB_ROOT)/usr/share/doc/lscrenew

deb: $(DEB)

# "make install" into a staging root, plus what Debian adds: a stripped
# binary, gzipped man pages, copyright and changelog, lintian's overrides,
# the configuration as a conffile (0640; postinst gives it to the group
# lscrenew), the maintainer scripts and md5sums.  dpkg-shlibdeps computes
# Depends from the libraries the binary links; it and dpkg-gencontrol read
# debian/control and debian/changelog in their working directory, hence
# the copies.  --root-owner-group: root owns every file, even when a user
# builds the package.
$(DEB): $(BIN) Makefile $(wildcard cli/*.[15] etc/* etc/debian/*)
	$(call install_pkgs,dpkg-dev)
	@v=$$(dpkg-parsechangelog -l etc/debian/changelog -S Version); [ "$$v" = "$(VERSION)" ] || \
	  { echo "lscrenew: etc/debian/changelog ends at $$v but VERSION is $(VERSION): add an entry" >&2; exit 1; }
	rm -rf $(DEB_TMP)
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_ROOT)) PREFIX=/usr
	strip --strip-unneeded --remove-section=.comment --remove-section=.note $(DEB_ROOT)/usr/bin/lscrenew
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/lscrenew.1 $(DEB_ROOT)/usr/share/man/man5/lscrenew.conf.5
	install -m 0644 etc/debian/copyright $(DEB_DOC)/copyright
	install -D -m 0644 etc/debian/lintian-overrides $(DEB_ROOT)/usr/share/lintian/overrides/lscrenew
	gzip -9n <etc/debian/changelog >$(DEB_DOC)/changelog.gz && chmod 0644 $(DEB_DOC)/changelog.gz
	install -d $(DEB_ROOT)/etc/lscrenew $(DEB_ROOT)/DEBIAN
	install -m 0640 etc/lscrenew.conf.example $(DEB_ROOT)/etc/lscrenew/lscrenew.conf
	install -m 0644 etc/debian/conffiles $(DEB_ROOT)/DEBIAN/conffiles
	install -m 0755 etc/debian/postinst etc/debian/prerm etc/debian/postrm $(DEB_ROOT)/DEBIAN/
	cd $(DEB_ROOT) && find usr -type f | LC_ALL=C sort | xargs md5sum >DEBIAN/md5sums
	cp etc/debian/control etc/debian/changelog $(DEB_TMP)/debian/
	cd $(DEB_TMP) && dpkg-shlibdeps debian/lscrenew/usr/bin/lscrenew && dpkg-gencontrol -Pdebian/lscrenew
	chmod 0644 $(DEB_ROOT)/DEBIAN/control $(DEB_ROOT)/DEBIAN/md5sums
	dpkg-deb --root-owner-group --build $(DEB_ROOT) $@

# The package as a user gets it: lintian, its contents and modes, and the
# binary run from it.  make check runs this.
check-deb: $(DEB)
	$(call install_pkgs,$(DEB_PKGS))
	@echo "== Debian package"
	@LSCRENEW_DEB=$(abspath $(DEB)) LSCRENEW_VERSION=$(VERSION) \
	  $(PYTHON) -m unittest discover -s tests/deb -p 'test_*.py'

clean:
	rm -rf $(BUILD) build-asan build-fuzz

help:
	@sed -n '2,18p' Makefile | sed 's/^# \{0,1\}//'

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
