/* Output columns. */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"

static const struct column_info info[COL_COUNT] = {
	[COL_PID] = { "PID", "target process ID", true },
	[COL_COMM] = { "COMM", "target command name", false },
	[COL_START] = { "START", "start address (hex)", false },
	[COL_END] = { "END", "end address (hex, exclusive)", false },
	[COL_SIZE] = { "SIZE", "size of the range", true },
	[COL_ADVISED] = { "ADVISED", "bytes the kernel accepted", true },
	[COL_RSS] = { "RSS", "resident memory of the mapping before", true },
	[COL_RSS_AFTER] = { "RSS-AFTER", "resident memory of the mapping after", true },
	[COL_SWAP] = { "SWAP", "swapped-out memory of the mapping before", true },
	[COL_SWAP_AFTER] = { "SWAP-AFTER", "swapped-out memory of the mapping after", true },
	[COL_PERMS] = { "PERMS", "permissions, as in /proc/PID/maps", false },
	[COL_CLASS] = { "CLASS", "anon, file or special", false },
	[COL_NAME] = { "NAME", "mapping pathname (escaped)", false },
	[COL_ADVICE] = { "ADVICE", "-l: advice the mapping can take, or why not; advising: the advice the range got", false },
	[COL_ERROR] = { "ERROR", "error, or why the range was skipped", false },
	[COL_RESIDENT] = { "RESIDENT", "bytes of the range in memory (pagemap) when selected", true },
	[COL_RECLAIMABLE] = { "RECLAIMABLE", "pageout: resident bytes mapped by the target alone, which can go", true },
};

const enum col_id columns_range_default[] = {
	COL_START, COL_END, COL_SIZE, COL_RESIDENT, COL_ADVISED, COL_RSS,
	COL_RSS_AFTER, COL_PERMS, COL_NAME, COL_ERROR
};
const size_t columns_range_ndefault = sizeof(columns_range_default) / sizeof(columns_range_default[0]);

const enum col_id columns_list_default[] = {
	COL_START, COL_END, COL_SIZE, COL_RSS, COL_RESIDENT, COL_PERMS,
	COL_CLASS, COL_NAME, COL_ADVICE
};
const size_t columns_list_ndefault = sizeof(columns_list_default) / sizeof(columns_list_default[0]);

const struct column_info *column_info(enum col_id id)
{
	return id < COL_COUNT ? &info[id] : NULL;
}

/* Case-insensitive; '_' and '-' alike (RSS_AFTER is easier to type). */
static int lookup(const char *name, size_t len)
{
	for (int i = 0; i < COL_COUNT; i++) {
		const char *n = info[i].name;
		size_t k;

		if (strlen(n) != len)
			continue;
		for (k = 0; k < len; k++) {
			char a = n[k] == '-' ? '_' : n[k];
			char b = name[k] == '-' ? '_' : name[k];
			if ((a | 0x20) != (b | 0x20))
				break;
		}
		if (k == len)
			return i;
	}
	return -1;
}

int columns_parse(const char *list, const enum col_id *defaults, size_t ndefaults,
		  enum col_id *out, size_t max, struct err *e)
{
	size_t n = 0, nkept = 0;
	const char *p = list;

	if (*p == '+') {
		for (size_t i = 0; i < ndefaults && n < max; i++)
			out[n++] = defaults[i];
		nkept = n;
		p++;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		int id = lookup(p, len);
		bool shown = false;

		if (id < 0 || n >= max)
			return err_set(e, EINVAL, "unknown column '%.*s'", (int)len, p);
		/* +list adds: a default column asked for again stays once */
		for (size_t i = 0; i < nkept; i++)
			shown |= out[i] == (enum col_id)id;
		if (!shown)
			out[n++] = (enum col_id)id;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!n)
		return err_set(e, EINVAL, "unknown column ''");
	return (int)n;
}
