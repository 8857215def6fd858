/* Shared definitions for every pmadv module. */
#ifndef PMADV_H
#define PMADV_H

#define PMADV_VERSION "0.1.0"

/* Exit statuses: a contract with the runbooks that parse them. */
enum pmadv_exit {
	PMADV_EXIT_OK = 0,	/* all selected memory advised */
	PMADV_EXIT_FAIL = 1,	/* nothing advised, or a fatal error */
	PMADV_EXIT_USAGE = 2,	/* invalid usage or input */
	PMADV_EXIT_PARTIAL = 3,	/* some advised, some failed */
};

#endif
