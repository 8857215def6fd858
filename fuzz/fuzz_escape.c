/* libFuzzer harness: escape_str in both modes. Terminal output must hold no
 * control bytes (C0, DEL, C1) and be valid UTF-8; JSON output must be valid
 * string contents holding no raw C1 control (U+0080-U+009F: they act on
 * the terminal a JSON reader prints to). utf8_seq_len must agree with the
 * Unicode table. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	char *t = escape_str(s, ESCAPE_TERMINAL);
	char *j = escape_str(s, ESCAPE_JSON);
	size_t in = strlen(s);

	FUZZ_ASSERT(t && j);
	fuzz_check_terminal(t);
	fuzz_check_json(j);
	for (const unsigned char *p = (const unsigned char *)j; *p; p++)
		FUZZ_ASSERT(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0));
	FUZZ_ASSERT(strlen(t) >= in && strlen(j) >= in);
	FUZZ_ASSERT(strlen(t) <= in * 4 && strlen(j) <= in * 6);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		FUZZ_ASSERT(utf8_seq_len(p) == ref_utf8_len(p));
	free(t);
	free(j);
	free(s);
	return 0;
}
