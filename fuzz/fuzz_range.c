/* libFuzzer harness: range_parse, size_parse, number_parse,
 * duration_parse_ms, size_format on one operator-typed string. */
#include <errno.h>

#include "fuzz_common.h"
#include "plan/plan.h"
#include "lib/lib.h"

/* A parser's -1: one of two codes, and a reason. */
static int fuzz_parse_failed(const struct err *e)
{
	return (e->code == EINVAL || e->code == ERANGE) && e->msg[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), buf[32];
	struct addr_range r;
	struct err e;
	uint64_t v, w;
	unsigned int ms;
	int rc;

	/* a range, with the page sizes pmadv can meet */
	static const uint64_t pages[] = { 4096, 16384, 65536, 2 << 20 };
	for (size_t k = 0; k < sizeof(pages) / sizeof(pages[0]); k++) {
		err_clear(&e);
		if (range_parse(s, pages[k], &r, &e) == 0) {
			FUZZ_ASSERT(e.code == 0 && !e.msg[0]);
			FUZZ_ASSERT(r.start < r.end);
			FUZZ_ASSERT(r.start % pages[k] == 0 && r.end % pages[k] == 0);
		} else {
			FUZZ_ASSERT(fuzz_parse_failed(&e));
		}
	}

	/* sizes: success is a value, failure one of two errors */
	rc = size_parse(s, &v, &e);
	FUZZ_ASSERT(rc == 0 || fuzz_parse_failed(&e));
	if (rc == 0) {
		/* a plain number means the same to both parsers */
		if (number_parse(s, &w, NULL) == 0)
			FUZZ_ASSERT(v == w);
		FUZZ_ASSERT(size_format(v, buf, sizeof(buf)) == buf);
		FUZZ_ASSERT(strlen(buf) < sizeof(buf) - 1);
	}
	rc = number_parse(s, &w, &e);
	FUZZ_ASSERT(rc == 0 || fuzz_parse_failed(&e));
	if (rc == 0) {
		FUZZ_ASSERT(size_parse(s, &v, NULL) == 0 && v == w);
	}
	rc = duration_parse_ms(s, &ms, &e);
	FUZZ_ASSERT(rc == 0 || fuzz_parse_failed(&e));
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
