/* One option's argument, checked and stored in the control struct; on bad
 * input argp_error says why (exit 2). Private to options.c. */
#ifndef PMADV_OPTIONS_ARG_H
#define PMADV_OPTIONS_ARG_H

#include <argp.h>
#include <stdbool.h>

#include "options.h"

/* An operator's argument as a message shows it: escaped, cut to a line. */
const char *shown(const char *s);

void add_pidfd(struct argp_state *st, struct options *o, const char *arg);
void parse_pids(struct argp_state *st, struct options *o, char *arg);
void parse_limit(struct argp_state *st, struct options *o, const char *arg);
void add_name_regex(struct argp_state *st, struct options *o, const char *arg);
void add_range(struct argp_state *st, struct selection *sel, const char *arg);
void set_advice(struct argp_state *st, struct options *o, const char *arg);
void set_freeze_timeout(struct argp_state *st, struct options *o, const char *arg);
void add_cgroup(struct argp_state *st, struct options *o, const char *arg);
void add_unit(struct argp_state *st, struct options *o, const char *arg);
void add_regex(struct argp_state *st, struct selection *sel, const char *arg);
void add_mapping(struct argp_state *st, struct selection *sel, const char *arg);
void set_down_to(struct argp_state *st, struct options *o, const char *arg);
void set_max_freeze(struct argp_state *st, struct options *o, const char *arg);
void set_sort(struct argp_state *st, struct options *o, const char *arg);

#endif
