/* libFuzzer harness: the window engine's pure parts against the reference
 * model of tests/unit/engine_model.h (issue 17), the case drawn from the
 * fuzzer's bytes: they make the choices (advice, selection, mappings,
 * residency, budget, chunk limits, the kernel's answers, where windows
 * end, the changes between them) while they last, then a generator seeded
 * from them does. Any violation of the model aborts with its text; the
 * known bugs in src/ listed in engine_model.h are counted, not aborted on
 * (FUZZ_CFLAGS=-DEM_KNOWN_BUGS=0 aborts on them too). */
#include <stdio.h>
#include <stdlib.h>

#include "../tests/unit/engine_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct em_stats st;
	struct em_rng r;
	char msg[1536];

	em_rng_bytes(&r, data, size);
	if (em_case(&r, &st, msg, sizeof(msg))) {
		fprintf(stderr, "engine model: %s\n", msg);
		abort();
	}
	return 0;
}
