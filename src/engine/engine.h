/* engine: one target outside its window and the window engine over a
 * group: residency and budgets, windows, chunking and pacing, the ledger, the
 * one process_madvise site, progress, and the outcome of a run. */
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

/* The only caller of process_madvise(2): batching within the kernel's limits
 * and exact accounting of partial returns. */
/* Kernel limits per call: UIO_MAXIOV iovecs, MAX_RW_COUNT bytes (the
 * kernel ignores iovecs past it silently). */
#define ADVISE_MAX_IOV 1024
#define ADVISE_MAX_BYTES 0x7ffff000ULL

/* Without a freeze, each call carries at most this: the kernel holds the
 * target's mmap_lock for a whole call, so its mmap/munmap (and faults
 * that need the lock) wait for the call. Measured here (tests/helpers/
 * pauser with mmap, 1 GiB pageout to a swap file): one call stalled the
 * target 400-450 ms; 16 MiB calls keep its longest stall near 10-20 ms
 * (bench/RESULTS.md), for a few hundred calls per GiB (microseconds
 * each). */
#define ADVISE_UNFROZEN_MAX_BYTES (16ULL << 20)

struct advise_result {
	uint64_t advised;	/* bytes the kernel accepted */
	int err;		/* 0, or errno of the part that failed */
};

struct advise_stats {
	uint64_t advised;	/* bytes the kernel accepted in all */
	int fatal;		/* errno that stopped the whole run (ESRCH...), or 0 */
	bool stopped;		/* the watch said stop: pieces not reached
				 * carry ECANCELED */
};

/* Who watches the run's progress (a freeze window's watchdog): called after
 * every process_madvise call returns, whatever it returned; returning false
 * stops the run there. max_bytes caps each call (0: the kernel's cap), so
 * that progress shows at that grain. */
struct advise_watch {
	bool (*progress)(void *ctx);
	void *ctx;
	uint64_t max_bytes;
};

/* Ask the kernel whether it would take this advice for this pidfd without
 * touching memory (empty iovec). Returns 0, or -1 with errno. */
int advise_probe(int pidfd, int advice);

/* An errno of process_madvise that is about the process, not the range
 * (it died, access went away): no further call can succeed. */
bool advise_errno_fatal(int e);

/* Fault in advise_run's buffers (before a freeze: not while frozen). */
void advise_ready(void);

/* Advise every piece; res[i] for pieces[i]. st->fatal says whether a
 * process-wide error cut it short (the remaining pieces carry it). watch
 * may be NULL. */
void advise_run(int pidfd, int advice, const struct piece *pieces, size_t n,
		const struct advise_watch *watch, struct advise_result *res,
		struct advise_stats *st);

/* The record of one target's ranges across bounded windows: what each
 * window attempted (advised, or failed and why), what it skipped, and which
 * selectors matched nothing in every window. A later window reads the maps
 * again and selects again; what the ledger holds is subtracted from its
 * plan, so a range is never advised twice. At the end the ledger becomes
 * the maps, plan and results a single window would have left (outcome.c
 * reads them as ever). Pure: no I/O. */
struct ledger_entry {
	struct mapping map;	/* start, end: the part attempted or skipped;
				 * name: the ledger's copy */
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

/* Piece [start, end) of mapping m was attempted for pair `pair`: the
 * kernel took advised bytes; err is the errno of the rest (0: none). 0,
 * or -1 (no memory). */
int ledger_add(struct ledger *l, const struct mapping *m, uint64_t start,
	       uint64_t end, uint32_t pair, uint64_t advised, int err);

/* After a window selects: its skips (those at addresses the ledger has no
 * entry for), and which selectors matched nothing (the first plan's list,
 * less any selector a later plan matched). 0, or -1 (no memory). */
int ledger_note_plan(struct ledger *l, const struct plan *p,
		     const struct maps *maps);

/* Cut from p's pieces every byte an attempted entry covers (pieces split
 * where needed; p->bytes updated). 0, or -1 (no memory). */
int ledger_subtract(struct ledger *l, struct plan *p);

/* The ledger as one window's outcome: *text holds the names *maps points
 * to; plan pieces and skips in address order, res[i] for pieces[i].
 * Adjacent entries of one mapping that were advised whole are one piece.
 * The caller owns them all (free, maps_free, plan_free). 0, or -1. */
int ledger_result(struct ledger *l, char **text, struct maps *maps,
		  struct plan *plan, struct advise_result **res);

void ledger_free(struct ledger *l);

/* How much work the next advice call of a window may carry, so that the
 * window ends within its bound. Work is bytes the call will act on
 * (resident pages for cold and pageout, absent ones for willneed:
 * engine.h), not address space: a call over an empty arena returns in
 * microseconds whatever its length, and once sized by address it made
 * the next call swallow a whole redis heap. A call is modelled as a fixed
 * part plus a cost per byte of work, each learnt from the calls before.
 * Pure: the caller times its calls and tells. */
/* The first call of a run, before anything is measured: 2 MiB takes about
 * 2 ms to page out at the ~1 GB/s measured here (kernel-notes 9). */
#define PACE_PROBE_BYTES (2ULL << 20)
/* A call with less work than this teaches only the fixed part: its time
 * is mostly the call itself, and dividing by its work would make one fast
 * call over empty memory look like a fast device. */
#define PACE_LEARN_BYTES (256ULL << 10)

struct pace {
	double ns_per_byte;	/* per byte of work; 0: not measured */
	double call_ns;		/* the fixed part of a call */
	uint64_t slice_ns;	/* a call is planned to take at most this */
};

/* window_ns: the bound of a window; a call is planned for a sixteenth of
 * it at most: pageout to swap on a real service now and then takes ten
 * times its usual time for one call (writeback), which then costs well
 * under a window more. */
void pace_init(struct pace *p, uint64_t window_ns);

/* Work for a call that must end within ns_left: what the model gets done
 * in three quarters of that time (the rest is margin), or in a slice,
 * whichever is less; the probe while nothing is measured. 0: less than
 * an eighth of a slice is left: end the window. */
uint64_t pace_work(const struct pace *p, uint64_t ns_left);

/* A call with work bytes of work took ns. A slower estimate is believed
 * at once, a faster one half (the mean): a device that slows down shrinks
 * the very next call, one that speeds up grows them gradually. */
void pace_record(struct pace *p, uint64_t work, uint64_t ns);

/* The pure half of the window engine (engine.c does the I/O): where a
 * target is in its window's plan, the next chunk of it sized by the work
 * it holds (resident bytes, not address space: allocator arenas are mostly
 * empty, and a call over empty memory returns in microseconds), what each
 * chunk did, and what a window hands to the ledger. Pure: no I/O, no
 * clock; the reference-model test and the fuzzer drive it as engine.c
 * does. */
/* A target's place in the plan of the window it is in. */
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
	int rest_err;			/* the rest will not be advised: why
					 * (0: a later window may) */
	size_t hints[2];		/* where chunk_take's searches of the
					 * workmap ended (chunk.c) */
};

/* What is known of the work in an address range before the window (read
 * outside it): the residency spans read then, over the ranges in covered
 * (sorted, disjoint). A page outside covered is unknown and counts as
 * work (a mapping that appeared since: assume it is full). */
struct workmap {
	const struct res_spans *spans;	/* NULL: nothing read; all is work */
	const struct piece *covered;
	size_t ncovered;
	unsigned int mask;		/* the flags a page of work has */
	uint64_t page;
	bool absent;			/* work is the pages WITHOUT mask
					 * (willneed reads what is not in) */
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

/* The pieces from the cursor within the limits into out, the last one cut
 * at a page boundary (lim->align); always at least one page (one align)
 * while anything is left: a window must progress, and that one is then
 * the whole chunk. A chunk never holds pieces of two pairs (one call
 * carries one advice). Moves the cursor; *work: the estimate of what was
 * taken. Returns how many pieces; the first is plan piece (old cur). */
size_t chunk_take(struct cursor *c, const struct workmap *w,
		  const struct chunk_limits *lim, struct piece *out,
		  uint64_t *work);

/* What the kernel did with the k pieces chunk_take gave from plan piece
 * first on: into the plan's results. A piece marked ECANCELED (advise.c:
 * the window ended before it was asked for) and all after it go back to
 * the cursor, at the first byte not advised. */
void chunk_record(struct cursor *c, size_t first, const struct piece *pcs,
		  const struct advise_result *r, size_t k);

/* The rest of the plan (from the cursor) will not be advised: err. */
void chunk_rest(struct cursor *c, int err);

/* After the window, outside it: what the window attempted (and, after
 * chunk_rest, the rest with its error) into the ledger, once. 0, or -1
 * (no memory). */
int chunk_commit(struct cursor *c, struct ledger *l);

/* Keep of p's pieces only what lies in keep (sorted, disjoint ranges):
 * a budget chosen before the window, applied to the window's own
 * selection. p->bytes updated. 0, or -1 (no memory: p unchanged). */
int plan_keep(struct plan *p, const struct piece *keep, size_t nkeep);

/* Pageout's comeback guard (--comeback): paging out memory a service uses
 * makes it fault the pages straight back (swap-in I/O, latency). So the
 * first windows page out a sample of each selected mapping (stripes spread
 * over it), the target runs a while, and outside any window pmadv reads
 * which of the pages it paged out are in memory again. A mapping whose
 * pages came back beyond the threshold is hot: the rest of it is left
 * alone (a skip with COMEBACK_HOT_REASON); the run goes on with the
 * mappings that stay out, looking again after every window. When no
 * mapping stays out, the run stops. Pure: engine.c reads pagemap. */
#define COMEBACK_HOT_REASON "hot: what pmadv paged out of it came back " \
	"(--comeback); left alone"
/* The sample: at most this much of a mapping, and a sixteenth of it, in
 * COMEBACK_STRIPES stripes; a mapping of COMEBACK_WHOLE or less is its
 * own sample. 4 MiB is 1,024 pages: a 10% threshold is then ~100 pages,
 * well above noise, and 100 mappings' samples are ~0.4 s of pageout. */
#define COMEBACK_SAMPLE_MAX (4ULL << 20)
#define COMEBACK_STRIPES 8
#define COMEBACK_WHOLE (64ULL << 10)
/* A mapping is judged once this much of it was paged out: fewer pages
 * say little. */
#define COMEBACK_MIN_OUT (128ULL << 10)

/* The sample stripes of p's pieces, placed by their mapping (maps), so
 * that a later window's pieces (less what the ledger did) give the same
 * stripes less what was done. Only pieces whose pair guarded[] says
 * (NULL: all) are sampled, the others come whole: several advices, the
 * guard is pageout's. *out: malloc'd, sorted (free it); *n counts the
 * samples only. 0, or -1 (no memory). */
int comeback_sample(const struct plan *p, const struct maps *maps,
		    uint64_t page, const bool *guarded, struct piece **out,
		    size_t *n, size_t *nall);

/* Bytes of [start, end) in spans of a (flags include amask) that are in
 * spans of b (flags include bmask) too. */
uint64_t resspan_both(const struct res_spans *a, unsigned int amask,
		      const struct res_spans *b, unsigned int bmask,
		      uint64_t start, uint64_t end);

/* Is a mapping hot: came_back of paged_out beyond pct%? (Judged only
 * from COMEBACK_MIN_OUT paged out.) */
bool comeback_hot(uint64_t paged_out, uint64_t came_back, unsigned int pct);

/* One target's run, from opening it to its result: what is done before a
 * freeze window (open through a pidfd, learn its facts, ask the kernel
 * whether it takes the advice, the "before" figures), inside it (engine.c:
 * read maps, select, advise) and after it (the "after" figures). A run
 * holds everything the result rows point into until run_free. */
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
	bool gone;			/* a discovered process that has since
					 * exited, or whose PID now names another
					 * one, or a target named twice: no result */
	bool concluded;			/* run_free'd: reported, or gone; a
					 * batch passes it by */
	char *scope;			/* freeze_scope key: who shares a freeze */
	struct res_spans spans;		/* residency of the plan (run.c) */
	bool have_spans;		/* spans were read */
	const char *noswap;		/* pageout: why swap cannot take its
					 * anonymous pages, or NULL */
	struct goal goal;		/* --limit, --down-to (run.c) */
	bool cb_on;			/* pageout's comeback guard watches it */
	struct comeback_info cb;	/* what it saw (names owned here) */
	bool has_share;			/* --as-group: its share of the goal */
	uint64_t share;
	char noswap_buf[256];
};

void run_init(struct run *x, const struct target_ref *ref);

/* Open the target, learn its facts, probe the advice, take the "before"
 * figures. On failure x->failed and x->err say why. */
void run_prepare(struct run *x, const struct options *o);

/* -l: read smaps and keep the mappings the selection takes (all without
 * one). Never freezes. */
void run_list(struct run *x, const struct options *o);

/* After the window: the "after" figures. */
void run_measure_after(struct run *x, const struct options *o);

/* Record the fatal error (the first one wins) / a warning. */
void run_fail(struct run *x, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void run_fail_err(struct run *x, const struct err *e);
void run_warn(struct run *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Why the kernel refused to advise the target (EACCES, ESRCH...), while
 * advising or before: the fatal error, or a warning when some_advised
 * (what was advised before the failure still counts). */
void run_advise_error(struct run *x, const struct advice *adv, int code,
		      bool advising, bool some_advised);

void run_free(struct run *x);

/* Resident memory for one target's plan, before its windows (or for -l):
 * futile pageout taken out (no swap for anonymous pages, shared files the
 * caller may not write), residency read when something uses it (budgets,
 * dry run, -v, -l, the resident columns), and the budget (--limit,
 * --down-to) spent on resident pages. The plain path (advice + selection,
 * nothing else) reads no pagemap. */
#define RESIDENT_SHARED_FILE_REASON "shared file the caller neither owns " \
	"nor may write: the kernel pages out nothing of it"

/* Is residency read for this run at all? */
bool resident_wanted(const struct options *o);

/* Before any window: learn whether swap can take the target's anonymous
 * pages (pageout only; kept in x). */
void resident_prepare(struct run *x, const struct options *o);

/* After select_plan: the steps above. On failure x has failed. */
void resident_plan(struct run *x, const struct options *o);

/* The residency of x's plan pieces into x->spans (have_spans). 0, or -1
 * with e. */
int resident_read(struct run *x, enum res_method method, struct err *e);

/* Pageout only: pieces the kernel would page out nothing of become skips
 * with the reason. 0, or -1 (no memory). */
int resident_futile(struct run *x, const struct options *o);

/* The plan's pieces become the resident spans chosen for budget bytes
 * (plan.h), from x->spans. 0, or -1 (no memory). */
int resident_choose(struct run *x, const struct options *o, uint64_t budget);

/* Does this run set a budget (--limit, --down-to)? */
static inline bool resident_budgeted(const struct options *o)
{
	return o->limit_bytes || o->limit_pct || o->down_to_set;
}

/* --limit or --down-to in bytes, from the Rss of x's maps (smaps). */
uint64_t resident_budget(const struct run *x, const struct options *o);

/* Futile pageout out of x's plan, then x->goal from x's maps (smaps),
 * plan and spans, before the budget's choice: what it needs, what the
 * selection can move, why the rest cannot be. The preview and --as-group
 * judge a target alike. 0, or -1 (no memory). */
int resident_goal(struct run *x, const struct options *o);

/* --as-group, before anything is advised: what x's selection could move
 * (resident bytes, as a goal run's preview finds them) and its Pss.
 * 0, or -1 with e. Leaves x's plan and maps empty. */
int resident_movable(struct run *x, const struct options *o,
		     uint64_t *movable, uint64_t *pss, struct err *e);

/* Did the run reach its goal, having advised `advised` bytes? */
bool goal_reached(const struct goal *g, uint64_t advised);

/* Page flags a budget spends for this advice: present pages, and for
 * pageout only those mapped by the target alone (others stay), and
 * without swap only file pages (x->noswap: a private file mapping's
 * copied-on-write pages are anonymous, and stay too). */
unsigned int resident_mask(const struct run *x, const struct options *o);
/* ... for advice value v (several advices: each piece its own). */
unsigned int resident_mask_for(const struct run *x, int v);

/* The window engine: one way to advise a group of targets that one freeze
 * covers (a single target is a group of one). A run is a sequence of
 * windows: freeze, read the maps, select, advise chunks of work until the
 * bound (--max-freeze), thaw; let the targets run; again with fresh maps
 * until nothing selected is left. --max-freeze=0 and "no freeze" are the
 * same sequence with no deadline (without a freeze calls stay short, so
 * the target's mmap_lock is never held long).
 *
 * Inside a window only what must be: the maps read, the selection, the
 * advice. Residency (what sizes the chunks, what budgets spend, what the
 * report shows), smaps for a budget, and every report figure are read
 * before the first window or after the last. Every byte advised was, in
 * the same window, in a mapping read inside that window that the
 * selection takes; the ledger keeps what earlier windows did, so nothing
 * is advised twice, and the result adds up over all windows. */
struct window {
	struct freeze_info freeze;	/* the first window's, and a break */
	int *pids;			/* the members, for the report */
	struct window_info info;	/* what the report shows of it */
};

/* Run the group (prepared, none failed) with the freeze how. Fills w;
 * window_free releases it. */
void engine_run(struct run **members, size_t n, const struct freeze_req *how,
		const struct options *o, int id, struct window *w);
void window_free(struct window *w);

/* Do windows end at a deadline (a freeze, --max-freeze > 0, advice to
 * give)? Then a first signal ends the run between two calls, with its
 * report; in one window it thaws at once and ends pmadv. */
bool engine_bounded(const struct options *o, const struct freeze_req *how);

/* Does a first SIGINT/SIGTERM/SIGHUP end the run after the call in
 * flight, with its report (exit 3 once something was advised)? Every run
 * that advises: with a freeze or without, one window or many (one
 * unbounded window is thawed at the signal, said in a warning). */
bool engine_interruptible(const struct options *o);

/* A target's run turned into its result (report.h), in one place: rows
 * for every range advised, skipped or refused (or mapping listed), totals,
 * the fatal error, the warnings, and the exit status it earns. The only
 * module that reads maps, plans and advice results for the report. */
/* Build r from x; r points into x, so it lives until run_free(x). The
 * warnings it adds (nothing to advise, unmatched selectors, failed ranges)
 * go into x. Returns 0, or -1 (out of memory: x has failed, r has no
 * rows). */
int outcome_build(struct run *x, const struct options *o,
		  const struct window_info *w, struct target_result *r);
void outcome_free(struct target_result *r);

/* The target's exit status, as in the EXIT STATUS contract. */
int outcome_status(const struct target_result *r, const struct options *o);

#endif
