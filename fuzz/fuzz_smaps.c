/* libFuzzer harness: the smaps side of maps_parse (attribute lines, VmFlags,
 * the stats array growing with the mappings). The input follows one valid
 * mapping line, so attribute lines are accepted from its first byte. */
#include "fuzz_common.h"

static const char head[] = "00000000-00001000 rw-p 00000000 00:00 0 \n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hl = sizeof(head) - 1, len = hl + size;
	char *text = malloc(len + 1);

	if (!text)
		return 0;
	memcpy(text, head, hl);
	memcpy(text + hl, data, size);
	text[len] = '\0';
	/* the head line is fine: an error is on line 2 or later */
	fuzz_maps_text(text, len, 2, data, size);
	free(text);
	return 0;
}
