/* madvise advice names. Values are asm-generic: glibc 2.36 lacks some. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "plan/plan.h"

static const struct advice table[] = {
	{ "cold", 20, true, "5.10" },
	{ "pageout", 21, true, "5.10" },
	{ "willneed", 3, true, "5.15" },
	{ "collapse", 25, true, "6.1" },
	{ "normal", 0, false, NULL },
	{ "random", 1, false, NULL },
	{ "sequential", 2, false, NULL },
	{ "dontneed", 4, false, NULL },
	{ "free", 8, false, NULL },
	{ "remove", 9, false, NULL },
	{ "dontfork", 10, false, NULL },
	{ "dofork", 11, false, NULL },
	{ "mergeable", 12, false, NULL },
	{ "unmergeable", 13, false, NULL },
	{ "hugepage", 14, false, NULL },
	{ "nohugepage", 15, false, NULL },
	{ "dontdump", 16, false, NULL },
	{ "dodump", 17, false, NULL },
	{ "wipeonfork", 18, false, NULL },
	{ "keeponfork", 19, false, NULL },
	{ "populate_read", 22, false, NULL },
	{ "populate_write", 23, false, NULL },
	{ "dontneed_locked", 24, false, NULL },
	{ "hwpoison", 100, false, NULL },
	{ "soft_offline", 101, false, NULL },
	{ "guard_install", 102, false, NULL },
	{ "guard_remove", 103, false, NULL },
};

const struct advice *advice_lookup(const char *s)
{
	if (!strncasecmp(s, "MADV_", 5))
		s += 5;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcasecmp(s, table[i].name))
			return &table[i];
	return NULL;
}

const struct advice *advice_by_value(int value)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].value == value)
			return &table[i];
	return NULL;
}

const char *advice_remote_list(void)
{
	return "cold, pageout, willneed, collapse";
}

bool advice_reclaims(int value)
{
	return value == ADVICE_COLD || value == ADVICE_PAGEOUT;
}

bool advice_einval_is_refusal(int value)
{
	return advice_reclaims(value) || value == ADVICE_COLLAPSE;
}

const struct advice *advice_remote(size_t i)
{
	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++)
		if (table[k].remote && i-- == 0)
			return &table[k];
	return NULL;
}
