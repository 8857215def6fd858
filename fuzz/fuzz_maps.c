/* libFuzzer harness: maps_parse on /proc/PID/maps text, then selection and
 * escaping over whatever parsed. maps_parse needs text[len] == '\0'. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);

	fuzz_maps_text(text, size, 1, data, size);
	free(text);
	return 0;
}
