/* libFuzzer harness: range_parse, size_parse, number_parse,
 * duration_parse_ms, size_format on one operator-typed string. */
#include <errno.h>

#include "fuzz_common.h"
#include "range.h"
#include "size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), buf[32];
	struct addr_range r;
	const char *why = "unset";
	uint64_t v, w;
	unsigned int ms;
	int rc;

	/* a range, with the page sizes pmadv can meet */
	static const uint64_t pages[] = { 4096, 16384, 65536, 2 << 20 };
	for (size_t k = 0; k < sizeof(pages) / sizeof(pages[0]); k++) {
		why = "unset";
		if (range_parse(s, pages[k], &r, &why) == 0) {
			FUZZ_ASSERT(why == NULL);
			FUZZ_ASSERT(r.start < r.end);
			FUZZ_ASSERT(r.start % pages[k] == 0 && r.end % pages[k] == 0);
		} else {
			FUZZ_ASSERT(why != NULL && why[0] && strcmp(why, "unset"));
		}
	}

	/* sizes: success is a value, failure one of two errors */
	rc = size_parse(s, &v);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	if (rc == 0) {
		/* a plain number means the same to both parsers */
		if (number_parse(s, &w) == 0)
			FUZZ_ASSERT(v == w);
		FUZZ_ASSERT(size_format(v, buf, sizeof(buf)) == buf);
		FUZZ_ASSERT(strlen(buf) < sizeof(buf) - 1);
	}
	rc = number_parse(s, &w);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	if (rc == 0) {
		FUZZ_ASSERT(size_parse(s, &v) == 0 && v == w);
	}
	rc = duration_parse_ms(s, &ms);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	if (rc == 0)
		FUZZ_ASSERT(ms <= 86400000u);
	/* size_format on raw bytes as a number */
	if (size >= 8) {
		memcpy(&v, data, 8);
		size_format(v, buf, sizeof(buf));
		FUZZ_ASSERT(strlen(buf) < sizeof(buf) - 1);
		size_format(v, buf, 1 + data[0] % 8);
	}
	free(s);
	return 0;
}
