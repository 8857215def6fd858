/* engine: a target's run and the window engine over a group: residency,
 * budgets, windows, chunks, pacing, the ledger, process_madvise, outcomes. */
#ifndef PMADV_ENGINE_H
#define PMADV_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"
#include "plan/plan.h"
#include "proc/proc.h"
#include "freeze/freeze.h"
#include "cli/cli.h"
#include "report/report.h"

/* Kernel limits per process_madvise call: UIO_MAXIOV iovecs, MAX_RW_COUNT
 * bytes (iovecs past it are ignored silently). */
#define ADVISE_MAX_IOV 1024
#define ADVISE_MAX_BYTES 0x7ffff000ULL

/* Without a freeze, each call carries at most this: the kernel holds the
 * target's mmap_lock for a whole call. A 1 GiB pageout call stalled the
 * target 400-450 ms; 16 MiB calls keep it near 10-20 ms (bench/RESULTS.md). */
#define ADVISE_UNFROZEN_MAX_BYTES (16ULL << 20)

struct advise_result {
	uint64_t advised;	/* bytes the kernel accepted */
	int err;		/* 0, or errno of the part that failed */
};

struct advise_stats {
	uint64_t advised;	/* bytes the kernel accepted in all */
	int fatal;		/* errno that stopped the whole run, or 0 */
	bool stopped;		/* the watch said stop: the rest ECANCELED */
};

/* After every call; false stops the run. max_bytes caps a call (0: kernel's). */
struct advise_watch {
	bool (*progress)(void *ctx);
	void *ctx;
	uint64_t max_bytes;
};

/* Would the kernel take this advice (an empty iovec)? 0, or -1 with errno. */
int advise_probe(int pidfd, int advice);

/* An errno of process_madvise that is about the process, not the range
 * (it died, access went away): no further call can succeed. */
bool advise_errno_fatal(int e);

/* Fault in advise_run's buffers (before a freeze: not while frozen). */
void advise_ready(void);

/* Advise every piece; res[i] for pieces[i]; watch may be NULL. */
void advise_run(int pidfd, int advice, const struct piece *pieces, size_t n,
		const struct advise_watch *watch, struct advise_result *res,
		struct advise_stats *st);

/* What a target's windows attempted and skipped, and which selectors matched
 * nothing in all: taken from each later plan, so no range is advised twice;
 * at the end, the maps, plan and results one window would have left. Pure. */
struct ledger_entry {
	struct mapping map;	/* the part; name: the ledger's copy */
	uint64_t whole_start, whole_end;	/* the mapping it is part of */
	uint64_t advised;
	int err;
	uint32_t pair;		/* the (advice, selection) pair it was for */
	const char *reason;	/* a skip's (static text); NULL: attempted */
};

struct ledger {
	struct ledger_entry *v;
	size_t n, cap;
	bool sorted;
	uint64_t attempted;	/* bytes of the attempted entries */
	struct unmatched *unmatched;	/* NULL until the first plan */
	size_t nunmatched;
	bool planned;		/* a plan has been noted */
};

/* [start, end) of m was attempted for pair: advised bytes taken, err for
 * the rest. 0, or -1 (no memory). */
int ledger_add(struct ledger *l, const struct mapping *m, uint64_t start,
	       uint64_t end, uint32_t pair, uint64_t advised, int err);

/* After a window selects: its new skips, and the selectors no plan has
 * matched yet. 0, or -1 (no memory). */
int ledger_note_plan(struct ledger *l, const struct plan *p,
		     const struct maps *maps);

/* Cut from p every byte attempted before. 0, or -1 (no memory). */
int ledger_subtract(struct ledger *l, struct plan *p);

/* The ledger as one window's outcome, in address order (*text holds the
 * names); adjacent wholly advised entries of a mapping are one piece. The
 * caller frees them all. 0, or -1. */
int ledger_result(struct ledger *l, char **text, struct maps *maps,
		  struct plan *plan, struct advise_result **res);

void ledger_free(struct ledger *l);

/* Pacing: how much work (bytes the call acts on, not address space: a call
 * over an empty arena returns at once, and sizing by address once made a
 * call swallow a whole redis heap) the next call may carry so the window
 * ends within its bound; a fixed part plus a cost per byte, learnt. Pure.
 * The first call: 2 MiB pages out in ~2 ms at ~1 GB/s (kernel-notes 9). */
#define PACE_PROBE_BYTES (2ULL << 20)
/* Less work than this teaches only the fixed part: the call itself is most of
 * its time; a fast call over empty memory is no fast device. */
#define PACE_LEARN_BYTES (256ULL << 10)

struct pace {
	double ns_per_byte;	/* per byte of work; 0: not measured */
	double call_ns;		/* the fixed part of a call */
	uint64_t slice_ns;	/* a call is planned to take at most this */
};

/* A call is planned for a sixteenth of window_ns at most: pageout now
 * and then takes ten times its usual time (writeback). */
void pace_init(struct pace *p, uint64_t window_ns);

/* Work for a call that must end within ns_left (three quarters of it, at
 * most a slice). 0: under an eighth of a slice left: end the window. */
uint64_t pace_work(const struct pace *p, uint64_t ns_left);

/* A call took ns: a slower estimate is believed at once, a faster one
 * half, so a device that slows down shrinks the very next call. */
void pace_record(struct pace *p, uint64_t work, uint64_t ns);

/* The pure half of the window engine: a target's place in its window's
 * plan, the next chunk sized by its work, what each chunk did, what goes
 * to the ledger. No I/O, no clock: the model test and the fuzzer drive it. */
struct cursor {
	const struct plan *plan;
	const struct maps *maps;	/* the plan's pieces index these */
	struct advise_result *res;	/* res[i] for plan->pieces[i] */
	size_t cur;			/* the next byte to advise: */
	uint64_t off;			/* pieces[cur].start + off */
	size_t ccur;			/* handed to the ledger up to here, */
	uint64_t coff;
	uint64_t cadv;			/* ... with this much of pieces[ccur]'s
					 * advised bytes */
	int rest_err;			/* why the rest will not be advised
					 * (0: a later window may) */
	size_t hints[2];		/* chunk_take's last searches */
};

/* The work read before the window over covered (sorted, disjoint); a page
 * outside it is unknown and counts as work. */
struct workmap {
	const struct res_spans *spans;	/* NULL: nothing read; all is work */
	const struct piece *covered;
	size_t ncovered;
	unsigned int mask;		/* the flags a page of work has */
	uint64_t page;
	bool absent;			/* work is the pages WITHOUT mask */
};

/* The most one chunk may take. */
struct chunk_limits {
	uint64_t work;		/* estimated work bytes */
	uint64_t bytes;		/* address space (the kernel's MAX_RW_COUNT) */
	size_t pieces;		/* iovecs: room in out */
	uint64_t page;
	uint64_t align;		/* cuts fall on multiples of it (collapse:
				 * huge pages); 0: pages */
};

void cursor_init(struct cursor *c, const struct plan *p, const struct maps *m,
		 struct advise_result *res);
bool cursor_done(const struct cursor *c);

/* The pieces from the cursor within lim into out (cut at lim->align), at
 * least one align while anything is left (a window must progress), never
 * of two pairs (one call, one advice). Moves the cursor; *work: its
 * estimate. How many pieces; the first is plan piece (old cur). */
size_t chunk_take(struct cursor *c, const struct workmap *w,
		  const struct chunk_limits *lim, struct piece *out,
		  uint64_t *work);

/* What the kernel did with chunk_take's k pieces, from plan piece first:
 * into the results; from an ECANCELED one on, back to the cursor. */
void chunk_record(struct cursor *c, size_t first, const struct piece *pcs,
		  const struct advise_result *r, size_t k);

/* The rest of the plan (from the cursor) will not be advised: err. */
void chunk_rest(struct cursor *c, int err);

/* After the window: what it attempted (and chunk_rest's rest) into the
 * ledger, once. 0, or -1 (no memory). */
int chunk_commit(struct cursor *c, struct ledger *l);

/* Keep of p only what lies in keep (a budget chosen before the window;
 * sorted, disjoint). 0, or -1 (no memory: p unchanged). */
int plan_keep(struct plan *p, const struct piece *keep, size_t nkeep);

/* Pageout's comeback guard (--comeback): memory a service uses comes
 * straight back (swap-in, latency). The first windows page out a striped
 * sample of each mapping; after the target ran, a mapping whose pages came
 * back beyond the threshold is hot and left alone; pmadv looks again
 * after every window. Pure: engine.c reads pagemap. */
#define COMEBACK_HOT_REASON "hot: what pmadv paged out of it came back " \
	"(--comeback); left alone"
/* The sample: at most this, and a sixteenth of a mapping, in stripes; 4 MiB
 * makes a 10% threshold ~100 pages, above noise, and 100 mappings' samples
 * ~0.4 s of pageout. A mapping up to COMEBACK_WHOLE is its own sample. */
#define COMEBACK_SAMPLE_MAX (4ULL << 20)
#define COMEBACK_STRIPES 8
#define COMEBACK_WHOLE (64ULL << 10)
/* Fewer pages paged out say little: not judged. */
#define COMEBACK_MIN_OUT (128ULL << 10)

/* The sample stripes of p's pieces, placed by their mapping so a later window
 * finds the same ones. Pieces of pairs guarded[] does not name (NULL: all)
 * come whole. *out: malloc'd, sorted; *n: samples only. 0, or -1 (no memory). */
int comeback_sample(const struct plan *p, const struct maps *maps,
		    uint64_t page, const bool *guarded, struct piece **out,
		    size_t *n, size_t *nall);

/* Bytes of [start, end) in spans of a (flags include amask) that are in
 * spans of b (flags include bmask) too. */
uint64_t resspan_both(const struct res_spans *a, unsigned int amask,
		      const struct res_spans *b, unsigned int bmask,
		      uint64_t start, uint64_t end);

/* came_back of paged_out beyond pct% (from COMEBACK_MIN_OUT on)? */
bool comeback_hot(uint64_t paged_out, uint64_t came_back, unsigned int pct);

/* One target's run, from opening it to its result; it holds what the
 * result rows point into until run_free. */
struct run {
	const struct target_ref *ref;
	struct target t;
	char *text;			/* maps/smaps text; names point into it */
	struct maps maps;
	struct plan plan;
	struct advise_result *res;	/* NULL: not advised (dry run, -l) */
	char *snap_text[2];		/* -v: smaps before and after */
	struct maps snap[2];
	struct mem_rollup before, after;
	bool failed;			/* err holds the one fatal error */
	struct err err;
	char **warnings;		/* escaped later, as everything printed */
	size_t nwarnings, warncap;
	bool gone;			/* exited, PID reused, or named twice:
					 * no result */
	bool concluded;			/* run_free'd: reported, or gone */
	char *scope;			/* freeze_scope key: who shares a freeze */
	struct res_spans spans;		/* residency of the plan (run.c) */
	bool have_spans;		/* spans were read */
	const char *noswap;		/* pageout: why swap cannot take its
					 * anonymous pages */
	struct goal goal;		/* --limit, --down-to (run.c) */
	bool cb_on;			/* pageout's comeback guard watches it */
	struct comeback_info cb;	/* what it saw (names owned here) */
	bool has_share;			/* --as-group: its share of the goal */
	uint64_t share;
	char noswap_buf[256];
};

void run_init(struct run *x, const struct target_ref *ref);

/* Open, learn, probe, the "before" figures; on failure x->failed. */
void run_prepare(struct run *x, const struct options *o);

/* -l: smaps, kept to what the selection takes (all without one). No freeze. */
void run_list(struct run *x, const struct options *o);

/* After the window: the "after" figures. */
void run_measure_after(struct run *x, const struct options *o);

/* Record the fatal error (the first one wins) / a warning. */
void run_fail(struct run *x, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void run_fail_err(struct run *x, const struct err *e);
void run_warn(struct run *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The kernel refused the target: fatal, or a warning if some_advised (it counts). */
void run_advise_error(struct run *x, const struct advice *adv, int code,
		      bool advising, bool some_advised);

void run_free(struct run *x);

/* Resident memory for a plan, before its windows: futile pageout out,
 * residency read only when something uses it, budgets spent on resident
 * pages. The plain path reads no pagemap. */
#define RESIDENT_SHARED_FILE_REASON "shared file the caller neither owns " \
	"nor may write: the kernel pages out nothing of it"

/* Is residency read for this run at all? */
bool resident_wanted(const struct options *o);

/* The residency of the sorted pieces v into out (emptied first). 0, or -1
 * with e. Of x's plan into x->spans: resident_read. */
int resident_read_pieces(pid_t pid, enum res_method method,
			 const struct piece *v, size_t n, struct res_spans *out,
			 struct err *e);
int resident_read(struct run *x, enum res_method method, struct err *e);

/* Pageout: pieces it would do nothing to become skips. 0, or -1. */
int resident_futile(struct run *x, const struct options *o);

/* The plan becomes the resident spans chosen for budget. 0, or -1. */
int resident_choose(struct run *x, const struct options *o, uint64_t budget);

/* Does this run set a budget (--limit, --down-to)? */
static inline bool resident_budgeted(const struct options *o)
{
	return o->limit_bytes || o->limit_pct || o->down_to_set;
}

/* Futile pageout out, then x->goal: what it needs, what the selection can
 * move, why not the rest (preview and --as-group alike). 0, or -1 (no memory). */
int resident_goal(struct run *x, const struct options *o);

/* --as-group: what x's selection could move, and its Pss; x's plan and
 * maps left empty. 0, or -1 with e. */
int resident_movable(struct run *x, const struct options *o,
		     uint64_t *movable, uint64_t *pss, struct err *e);

/* Did the run reach its goal, having advised `advised` bytes? */
bool goal_reached(const struct goal *g, uint64_t advised);

/* Page flags a budget spends for advice v: present; for pageout mapped by the
 * target alone, and without swap file pages only (CoW ones are anonymous). */
unsigned int resident_mask_for(const struct run *x, int v);

/* The window engine advises a group one freeze covers: windows of freeze,
 * maps, select, advise chunks until the bound, thaw, rest, again until
 * nothing is left. Inside a window only the maps, the selection and the
 * advice: every byte advised was in a mapping read and selected in that
 * window. Residency and report figures are read outside. */
struct window {
	struct freeze_info freeze;	/* the first window's, and a break */
	int *pids;			/* the members, for the report */
	struct window_info info;	/* what the report shows of it */
};

/* Run the group (prepared, none failed) under how; fills w (window_free). */
void engine_run(struct run **members, size_t n, const struct freeze_req *how,
		const struct options *o, int id, struct window *w);
void window_free(struct window *w);

/* Does a first SIGINT/SIGTERM/SIGHUP end the run after the call in
 * flight, with its report? Every run that advises. */
bool engine_interruptible(const struct options *o);

/* A run as its result (report.h): rows, totals, errors, warnings, status; r
 * points into x until run_free(x). 0, or -1 (no memory: x failed, no rows). */
int outcome_build(struct run *x, const struct options *o,
		  const struct window_info *w, struct target_result *r);
void outcome_free(struct target_result *r);

/* The target's exit status, as in the EXIT STATUS contract. */
int outcome_status(const struct target_result *r, const struct options *o);

#endif
