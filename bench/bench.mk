# Benchmark targets; pulled into the top-level Makefile with
#   -include bench/bench.mk
# (until then: make -f Makefile -f bench/bench.mk bench).
# `make bench` builds pmadv and the bench programs, runs bench/run.sh
# (< 10 minutes; needs root for the cgroup and vm.max_map_count) and writes
# bench/RESULTS.md.

BENCH_PROGS := gen floor naive timeit peakrss resid argp
BENCH_BINS := $(BENCH_PROGS:%=bench/bin/%)
BENCH_CFLAGS := -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -O2

.PHONY: bench bench-bin bench-clean

bench: $(BIN) test-build bench-bin
	PMADV=$(CURDIR)/$(BIN) PMADV_TESTBUILD=$(CURDIR)/pmadv-test bash bench/run.sh

bench-bin: $(BENCH_BINS)

bench/bin/%: bench/%.c bench/common.h src/proc/procmap_query.h | bench/bin
	$(CC) $(BENCH_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# resid times pmadv's own residency reader
RESID_SRC := src/proc/residency.c $(PURE_SRC)
bench/bin/resid: bench/resid.c bench/common.h $(RESID_SRC) $(HDR) | bench/bin
	$(CC) $(BENCH_CFLAGS) $(SRC_INC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(RESID_SRC)

bench/bin:
	mkdir -p $@

bench-clean:
	rm -rf bench/bin

clean: bench-clean
