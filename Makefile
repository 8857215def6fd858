# pmadv - plain GNU make; configure (from configure.ac) only writes config.mk
# for packagers. User CFLAGS/LDFLAGS are applied as given; what pmadv needs
# to build lives in PMADV_* variables (GNU coding standards).
-include config.mk

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo $(PREFIX)/share/bash-completion/completions)

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS := libproc2 smartcols

PMADV_CPPFLAGS := -D_GNU_SOURCE -Isrc
PMADV_CFLAGS := -std=gnu11 -Wall -Wextra $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PMADV_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lproc2 -lsmartcols)

BUILD ?= build
BIN ?= pmadv

# Modules with no I/O and no library needs: linked into unit tests and fuzzers.
PURE_SRC := src/size.c src/range.c src/advice.c src/maps.c src/select.c src/escape.c
SRC := $(wildcard src/*.c)
OBJ := $(SRC:src/%.c=$(BUILD)/%.o)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPERS := $(HELPER_SRC:tests/helpers/%.c=tests/helpers/bin/%)
UNIT_SRC := $(wildcard tests/unit/*.c)
UNITS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all deps check check-unit check-sanitize demo bench fuzz install uninstall clean test-helpers

all: $(BIN)

$(BIN): $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PMADV_LIBS) $(LDLIBS)

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)
	$(CC) $(PMADV_CPPFLAGS) $(CPPFLAGS) $(PMADV_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD) $(BUILD)/unit tests/helpers/bin:
	mkdir -p $@

test-helpers: $(HELPERS)

tests/helpers/bin/%: tests/helpers/%.c | tests/helpers/bin
	$(CC) -D_GNU_SOURCE -std=gnu11 -Wall -Wextra $(CFLAGS) $(LDFLAGS) -o $@ $< -lpthread

$(BUILD)/unit/%: tests/unit/%.c $(PURE_SRC) $(wildcard src/*.h) | $(BUILD)/unit
	$(CC) $(PMADV_CPPFLAGS) $(CPPFLAGS) $(PMADV_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(PURE_SRC)

deps:
	@sh tools/deps.sh

check-unit: $(UNITS)
	@set -e; for t in $(UNITS); do $$t tests/fixtures; done

check: deps
	$(MAKE) all test-helpers check-unit
	PMADV=$(CURDIR)/$(BIN) bats tests

clean:
	rm -rf build build-san tests/helpers/bin pmadv pmadv-san
