/* Unit tests: advice_lookup, advice_by_value, advice_remote_list,
 * advice_reclaims; values checked against <sys/mman.h> where it has them. */
#include <sys/mman.h>

#include "plan/plan.h"
#include "check.h"

static void found(const char *s, const char *name, int value, int remote)
{
	const struct advice *a = advice_lookup(s);

	CHECK_NOTE("advice_lookup(\"%s\")", s);
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_STR(a->name, name);
	CHECK_INT(a->value, value);
	CHECK_INT(a->remote, remote);
	if (remote)
		CHECK(a->since != NULL && a->since[0] >= '5');
	else
		CHECK(a->since == NULL);
}

static void unknown(const char *s)
{
	CHECK_NOTE("advice_lookup(\"%s\")", s);
	CHECK(advice_lookup(s) == NULL);
}

/* The table's values are the kernel's, where <sys/mman.h> has them. */
static void test_kernel_values(void)
{
	static const struct { const char *name; int value; } kernel[] = {
#ifdef MADV_COLD
		{ "cold", MADV_COLD },
#endif
#ifdef MADV_PAGEOUT
		{ "pageout", MADV_PAGEOUT },
#endif
		{ "willneed", MADV_WILLNEED },
		{ "dontneed", MADV_DONTNEED },
		{ "normal", MADV_NORMAL },
		{ "random", MADV_RANDOM },
		{ "sequential", MADV_SEQUENTIAL },
#ifdef MADV_FREE
		{ "free", MADV_FREE },
#endif
		{ "remove", MADV_REMOVE },
		{ "dontfork", MADV_DONTFORK },
		{ "dofork", MADV_DOFORK },
		{ "mergeable", MADV_MERGEABLE },
		{ "unmergeable", MADV_UNMERGEABLE },
		{ "hugepage", MADV_HUGEPAGE },
		{ "nohugepage", MADV_NOHUGEPAGE },
		{ "dontdump", MADV_DONTDUMP },
		{ "dodump", MADV_DODUMP },
#ifdef MADV_WIPEONFORK
		{ "wipeonfork", MADV_WIPEONFORK },
		{ "keeponfork", MADV_KEEPONFORK },
#endif
		{ "hwpoison", MADV_HWPOISON },
#ifdef MADV_SOFT_OFFLINE
		{ "soft_offline", MADV_SOFT_OFFLINE },
#endif
#ifdef MADV_POPULATE_READ
		{ "populate_read", MADV_POPULATE_READ },
		{ "populate_write", MADV_POPULATE_WRITE },
#endif
#ifdef MADV_COLLAPSE
		{ "collapse", MADV_COLLAPSE },
#endif
	};

	for (size_t k = 0; k < sizeof(kernel) / sizeof(kernel[0]); k++) {
		CHECK_NOTE("advice \"%s\" against <sys/mman.h>", kernel[k].name);
		CHECK_INT(advice_lookup(kernel[k].name)->value, kernel[k].value);
	}
}

int main(int argc, char **argv)
{
	char list[256], *tok, *save;
	int nremote = 0, seen = 0;

	(void)argc;
	(void)argv;
	found("cold", "cold", 20, 1);
	found("COLD", "cold", 20, 1);
	found("Cold", "cold", 20, 1);
	found("MADV_COLD", "cold", 20, 1);
	found("madv_cold", "cold", 20, 1);
	found("MaDv_CoLd", "cold", 20, 1);
	found("pageout", "pageout", 21, 1);
	found("PAGEOUT", "pageout", 21, 1);
	found("MADV_PAGEOUT", "pageout", 21, 1);
	found("willneed", "willneed", 3, 1);
	found("MADV_WILLNEED", "willneed", 3, 1);
	found("collapse", "collapse", 25, 1);
	found("madv_collapse", "collapse", 25, 1);
	/* known, but not for another process */
	found("dontneed", "dontneed", 4, 0);
	found("MADV_DONTNEED", "dontneed", 4, 0);
	found("free", "free", 8, 0);
	found("normal", "normal", 0, 0);
	found("hugepage", "hugepage", 14, 0);
	found("populate_read", "populate_read", 22, 0);
	found("POPULATE_WRITE", "populate_write", 23, 0);
	found("dontneed_locked", "dontneed_locked", 24, 0);
	found("hwpoison", "hwpoison", 100, 0);
	found("guard_install", "guard_install", 102, 0);

	unknown("");
	unknown("MADV_");
	unknown("madv");
	unknown("page out");
	unknown("pageout ");
	unknown(" pageout");
	unknown("pageou");
	unknown("pageoutx");
	unknown("MADV_MADV_PAGEOUT");
	unknown("MADVPAGEOUT");
	unknown("MADV-PAGEOUT");
	unknown("21");
	unknown("populate-read");
	unknown("swapout");
	CHECK_NOTE("%s", "");

	/* by value, and round trips for every value in use */
	CHECK(advice_by_value(21) && !strcmp(advice_by_value(21)->name, "pageout"));
	CHECK(advice_by_value(20) && !strcmp(advice_by_value(20)->name, "cold"));
	CHECK(advice_by_value(-1) == NULL);
	CHECK(advice_by_value(5) == NULL);	/* unused slot */
	CHECK(advice_by_value(999) == NULL);
	for (int v = -5; v < 200; v++) {
		const struct advice *a = advice_by_value(v);
		if (!a)
			continue;
		seen++;
		CHECK_NOTE("value %d", v);
		CHECK_INT(a->value, v);
		CHECK(advice_lookup(a->name) == a);
		nremote += a->remote;
		if (a->remote) {
			/* remote ones are named in the list */
			CHECK(strstr(advice_remote_list(), a->name) != NULL);
			CHECK(advice_reclaims(v) == (v == 20 || v == 21));
		}
	}
	CHECK_NOTE("%s", "");
	CHECK(seen >= 27);
	CHECK_INT(nremote, 4);
	/* every name in the list is a remote advice */
	snprintf(list, sizeof(list), "%s", advice_remote_list());
	for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		const struct advice *a = advice_lookup(tok);
		CHECK_NOTE("remote list entry \"%s\"", tok);
		CHECK(a != NULL && a->remote);
		nremote--;
	}
	CHECK_INT(nremote, 0);
	CHECK_NOTE("%s", "");

	CHECK(advice_reclaims(20));
	CHECK(advice_reclaims(21));
	CHECK(!advice_reclaims(3));
	CHECK(!advice_reclaims(25));
	CHECK(!advice_reclaims(4));
	CHECK(!advice_reclaims(0));

	test_kernel_values();
	return check_done();
}
