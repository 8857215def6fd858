/* The hand-written JSON of an advice run (-J). Private to report.c. */
#ifndef PMADV_REPORT_JSON_H
#define PMADV_REPORT_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "result.h"

/* One element of the "targets" / "freezes" arrays; first: no comma. */
void json_target(FILE *f, bool first, const struct target_result *r,
		 bool with_stats);
void json_window(FILE *f, bool first, const struct window_info *w);

#endif
