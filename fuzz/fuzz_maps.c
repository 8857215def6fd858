/* libFuzzer harness: maps_parse on /proc/PID/maps text, then selection and
 * escaping over whatever parsed. maps_parse needs text[len] == '\0'. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct maps m = { 0 };
	size_t bad = 0;
	int rc = maps_parse(text, size, &m, &bad);

	FUZZ_ASSERT(rc == MAPS_OK || rc == MAPS_BADLINE || rc == MAPS_ORDER ||
		    rc == MAPS_ENOMEM);
	/* inputs are small: running out of memory means a parse error was
	 * reported as ENOMEM (a fixed bug: fuzz/corpus/regress/maps-attr-*) */
	FUZZ_ASSERT(rc != MAPS_ENOMEM);
	FUZZ_ASSERT(rc == MAPS_OK ? bad == 0 : 1);
	if (rc == MAPS_BADLINE || rc == MAPS_ORDER)
		FUZZ_ASSERT(bad >= 1 && bad <= size + 1);
	/* whatever was appended before an error is still consistent */
	fuzz_check_maps(&m, text, size);
	if (rc == MAPS_OK)
		fuzz_exercise(&m, data, size);
	maps_free(&m);
	free(text);
	return 0;
}
