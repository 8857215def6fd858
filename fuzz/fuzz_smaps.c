/* libFuzzer harness: the smaps side of maps_parse (attribute lines, VmFlags,
 * the stats array growing with the mappings). The input follows one valid
 * mapping line, so attribute lines are accepted from its first byte. */
#include "fuzz_common.h"

static const char head[] = "00000000-00001000 rw-p 00000000 00:00 0 \n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hl = sizeof(head) - 1, len = hl + size, bad = 0;
	char *text = malloc(len + 1);
	struct maps m = { 0 };
	int rc;

	if (!text)
		return 0;
	memcpy(text, head, hl);
	memcpy(text + hl, data, size);
	text[len] = '\0';
	rc = maps_parse(text, len, &m, &bad);
	FUZZ_ASSERT(rc == MAPS_OK || rc == MAPS_BADLINE || rc == MAPS_ORDER ||
		    rc == MAPS_ENOMEM);
	/* inputs are small: running out of memory means a parse error was
	 * reported as ENOMEM (a fixed bug: fuzz/corpus/regress/maps-attr-*) */
	FUZZ_ASSERT(rc != MAPS_ENOMEM);
	if (rc == MAPS_BADLINE || rc == MAPS_ORDER)
		FUZZ_ASSERT(bad >= 2);	/* the head line is fine */
	FUZZ_ASSERT(m.n >= 1);
	fuzz_check_maps(&m, text, len);
	if (rc == MAPS_OK)
		fuzz_exercise(&m, data, size);
	maps_free(&m);
	free(text);
	return 0;
}
