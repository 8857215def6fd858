# libFuzzer harnesses for the pure parsers (issue 6) and for the window
# engine's pure parts against its reference model (engine, issue 17: the
# model is tests/unit/engine_model.h, shared with the unit test). Included by the
# top-level Makefile; `make fuzz` builds each into fuzz/bin/ and runs it for
# FUZZ_SECONDS on a scratch copy of its seed corpus in fuzz/work/ (the seeds
# in fuzz/corpus/ stay as committed). Crashing inputs are left in
# fuzz/work/NAME-crash-*; keep them under fuzz/corpus/regress/ once found.
#   make fuzz FUZZ_SECONDS=10          all harnesses, 10 s each
#   make fuzz FUZZERS=range            one harness
#   make fuzz FUZZERS=engine FUZZ_SECONDS=20
#   make fuzz-regress                  replay fuzz/corpus/regress/ (no fuzzing)

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_ARGS ?=
FUZZERS ?= range maps smaps escape engine
FUZZ_PURE_SRC := $(PURE_SRC)
FUZZ_BINS := $(FUZZERS:%=fuzz/bin/fuzz_%)
FUZZ_DICT_maps := fuzz/maps.dict
FUZZ_DICT_smaps := fuzz/maps.dict

.PHONY: fuzz fuzz-build fuzz-regress fuzz-clean

fuzz-build: $(FUZZ_BINS)

fuzz/bin:
	mkdir -p $@

fuzz/bin/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h tests/unit/utf8_ref.h $(FUZZ_PURE_SRC) $(HDR) | fuzz/bin
	$(FUZZ_CC) -D_GNU_SOURCE $(SRC_INC) -std=gnu11 -Wall -Wextra $(FUZZ_CFLAGS) $(FUZZ_SAN) \
		-o $@ $< $(FUZZ_PURE_SRC)

# the engine harness runs the unit test's model
fuzz/bin/fuzz_engine: tests/unit/engine_model.h

# Every harness runs even when one crashes; the target fails at the end.
fuzz: fuzz-build
	@failed=; for f in $(FUZZERS); do \
		rm -rf fuzz/work/$$f fuzz/work/$$f-*; mkdir -p fuzz/work/$$f; \
		cp fuzz/corpus/$$f/* fuzz/work/$$f/; \
		dict=; case $$f in maps|smaps) dict=-dict=fuzz/maps.dict;; esac; \
		printf 'fuzz_%s: %s s ... ' $$f $(FUZZ_SECONDS); \
		if fuzz/bin/fuzz_$$f $$dict -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 -artifact_prefix=fuzz/work/$$f- \
			$(FUZZ_ARGS) fuzz/work/$$f > fuzz/work/$$f.log 2>&1; then \
			sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1 execs/p' fuzz/work/$$f.log | tr '\n' ' '; \
			sed -n 's/^stat::new_units_added: *\([0-9]*\)/(+\1 corpus units)/p' fuzz/work/$$f.log; \
		else \
			echo "CRASH (log: fuzz/work/$$f.log)"; \
			grep -m1 -E 'ERROR|assertion failed|runtime error' fuzz/work/$$f.log; \
			ls fuzz/work/$$f-* 2>/dev/null; \
			failed="$$failed $$f"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed"; exit 1; fi

# Replays the kept crash inputs and seeds through every harness: a quick
# regression check, no fuzzing.
fuzz-regress: fuzz-build
	@set -e; for f in $(FUZZERS); do \
		fuzz/bin/fuzz_$$f -runs=0 fuzz/corpus/$$f fuzz/corpus/regress >/dev/null 2>fuzz/bin/$$f.regress.log \
			|| { echo "fuzz_$$f: regression input crashes (fuzz/bin/$$f.regress.log)"; exit 1; }; \
		echo "fuzz_$$f: corpus and regress inputs pass"; \
	done

fuzz-clean:
	rm -rf fuzz/bin fuzz/work
