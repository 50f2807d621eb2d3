/* SuperVM base layer: error codes, byte buffers, arenas, a hash map, varints, hex, logging,
 * a monotonic clock and a fixed-size thread pool. Every other layer builds on these; nothing
 * here knows about chains, transactions or state.
 *
 * Conventions: functions that can fail return int — 0 on success or a negative SVM_E… code —
 * and never abort on bad input. Sizes are size_t, counts carry their unit last in the name. */
#ifndef SUPERVM_BASE_H
#define SUPERVM_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- errors */

/* Error codes. 0 is success; every failure is negative. svm_strerror names each one. */
enum {
	SVM_OK = 0,
	SVM_ENOMEM = -1,      /* allocation failed or a named memory limit was reached */
	SVM_EINVAL = -2,      /* an argument is out of its documented domain */
	SVM_EDECODE = -3,     /* bytes are not a canonical encoding (truncated, trailing, non-minimal) */
	SVM_ELIMIT = -4,      /* a named size, count or depth limit was exceeded */
	SVM_ENOTFOUND = -5,   /* the key, object or block does not exist */
	SVM_EEXIST = -6,      /* the key, object or transaction already exists */
	SVM_EIO = -7,         /* the operating system or LMDB reported an I/O failure */
	SVM_ESIG = -8,        /* a signature does not verify */
	SVM_ECHAIN = -9,      /* wrong chain id */
	SVM_ENONCE = -10,     /* nonce already used or out of order */
	SVM_EEXPIRED = -11,   /* transaction past its expiry height */
	SVM_EFUNDS = -12,     /* balance does not cover the amount or fee */
	SVM_EOVERFLOW = -13,  /* checked integer arithmetic overflowed */
	SVM_EACCESS = -14,    /* an object was touched outside the declared access set */
	SVM_EVERSION = -15,   /* an input object is not at the declared version */
	SVM_EFEE = -16,       /* the fee limit does not cover the fee */
	SVM_EPROOF = -17,     /* a Merkle or state proof does not verify */
	SVM_ETRAP = -18,      /* a WebAssembly trap */
	SVM_EGAS = -19,       /* out of gas (steps) */
	SVM_EVALIDATE = -20,  /* a well-formed module or block fails validation */
	SVM_EUNSUPPORTED = -21, /* a valid but unsupported feature, tag or scheme */
	SVM_ESTATE = -22,     /* the call is not valid in the object's current state */
	SVM_EBUSY = -23,      /* a resource is full or in use; try again later */
	SVM_EABORT = -24,     /* execution was aborted by the program itself */
	SVM_EPERM = -25,      /* the caller is not allowed to do this */
	SVM_ECORRUPT = -26,   /* stored data is damaged (a truncated file, a bad page): restore it */
	SVM_E_LAST = -26
};

/* Returns a static, human-readable name for an error code (never NULL). */
const char *svm_strerror(int err);

/* An error with context. Callers own it (usually on the stack); functions that accept a
 * svm_error_t * may be passed NULL when the caller does not want a message. */
#define SVM_ERROR_MSG_MAX 256
typedef struct {
	int code;
	char msg[SVM_ERROR_MSG_MAX];
} svm_error_t;

/* Fills err (if not NULL) with code and a printf-style message; returns code so a caller can
 * write `return svm_error_set(err, SVM_EDECODE, "bad tag %u", t);`. */
int svm_error_set(svm_error_t *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ assertions */

/* SVM_ASSERT(cond): an invariant the code relies on (never a check of outside input — bad
 * input gets an error code). Checked in the debug builds — sanitizer (ASan/UBSan, TSan), fuzz,
 * stress, and any build with -DSVM_DEBUG — where a false condition prints the expression, file
 * and line and aborts; in a release build (-O2 without SVM_DEBUG) it compiles to nothing, and
 * cond is not evaluated (so it may be as costly as a loop over a list, and must have no side
 * effects). SVM_ASSERT_ON is 1 where SVM_ASSERT checks, for code that only exists to check.
 * SVM_VERIFY(cond): the always-on form, for what is cheap to check (a compare on a cold path)
 * and where going on would corrupt state: checked in every build. */
#if !defined(SVM_DEBUG) && defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(undefined_behavior_sanitizer) || __has_feature(memory_sanitizer)
#define SVM_DEBUG 1
#endif
#endif
#if !defined(SVM_DEBUG) && (defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
			     defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION))
#define SVM_DEBUG 1
#endif

_Noreturn void svm_assert_fail(const char *expr, const char *file, int line, const char *func);

#define SVM_VERIFY(cond) \
	(__builtin_expect(!!(cond), 1) ? (void)0 : svm_assert_fail(#cond, __FILE__, __LINE__, __func__))
#ifdef SVM_DEBUG
#define SVM_ASSERT_ON 1
#define SVM_ASSERT(cond) SVM_VERIFY(cond)
#else
#define SVM_ASSERT_ON 0
#define SVM_ASSERT(cond) ((void)(0 && (cond))) /* type-checked, never evaluated */
#endif

/* --------------------------------------------------------- checked math */

/* Checked u64 arithmetic: return false (and leave *out unspecified) on overflow/underflow. */
static inline bool svm_add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}
static inline bool svm_sub_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_sub_overflow(a, b, out);
}
static inline bool svm_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/* Little- and big-endian fixed-width loads and stores (alignment-free). */
static inline void svm_put_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t svm_get_u64le(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
	return v;
}
static inline void svm_put_u64be(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) p[7 - i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t svm_get_u64be(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
	return v;
}

/* ------------------------------------------------------------- buffers */

/* A growable byte buffer. Zero-initialise ({0}) before first use; svm_buf_free releases it.
 * Growth is bounded by cap_max when non-zero (SVM_ELIMIT past it). Not thread-safe. */
typedef struct {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t cap_max; /* 0 = unbounded */
} svm_buf_t;

int svm_buf_reserve(svm_buf_t *b, size_t extra);           /* ensure room for extra bytes */
int svm_buf_append(svm_buf_t *b, const void *p, size_t n); /* append n bytes */
int svm_buf_push(svm_buf_t *b, uint8_t byte);               /* append one byte */
int svm_buf_printf(svm_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void svm_buf_reset(svm_buf_t *b); /* len = 0, keeps the allocation */
void svm_buf_free(svm_buf_t *b);  /* releases memory; b is zeroed */

/* A bounded reader over a byte slice, used by every decoder. Reads past the end fail with
 * SVM_EDECODE and leave the position unchanged. */
typedef struct {
	const uint8_t *p;
	size_t len;
	size_t pos;
} svm_reader_t;

static inline svm_reader_t svm_reader(const void *p, size_t len)
{
	svm_reader_t r = {(const uint8_t *)p, len, 0};
	return r;
}
static inline size_t svm_reader_left(const svm_reader_t *r) { return r->len - r->pos; }
int svm_reader_bytes(svm_reader_t *r, size_t n, const uint8_t **out); /* borrow n bytes */
int svm_reader_copy(svm_reader_t *r, void *dst, size_t n);            /* copy n bytes */
int svm_reader_u8(svm_reader_t *r, uint8_t *out);

/* -------------------------------------------------------------- varint */

/* Unsigned LEB128, canonical: at most 10 bytes, minimal (no redundant 0x80/0x00 tail), and the
 * 10th byte may only carry the top bit of a u64. */
#define SVM_VARINT_MAX 10
size_t svm_varint_size(uint64_t v);                 /* bytes svm_varint_put will write */
size_t svm_varint_put(uint8_t *out, uint64_t v);    /* writes, returns bytes written */
int svm_varint_append(svm_buf_t *b, uint64_t v);    /* appends to a buffer */
/* The general case of svm_varint_read (multi-byte, or at the end); call svm_varint_read. */
int svm_varint_read_slow(svm_reader_t *r, uint64_t *out);
/* SVM_EDECODE on non-canonical input. Inline for the common one-byte case. */
static inline int svm_varint_read(svm_reader_t *r, uint64_t *out)
{
	if (r->pos < r->len && r->p[r->pos] < 0x80) {
		*out = r->p[r->pos++];
		return 0;
	}
	return svm_varint_read_slow(r, out);
}

/* ----------------------------------------------------------------- hex */

/* Lower-case hex. out must hold 2*n+1 bytes; always NUL-terminated. */
void svm_hex_encode(char *out, const void *in, size_t n);
/* Decodes exactly 2*n hex digits (either case, optional "0x" prefix) into out[n].
 * Returns SVM_EDECODE on a bad digit or length mismatch. */
int svm_hex_decode(void *out, size_t n, const char *in);
/* Decodes a hex string of any even length into buf (appended). SVM_EDECODE on bad input,
 * SVM_ELIMIT past max_bytes. */
int svm_hex_decode_buf(svm_buf_t *buf, const char *in, size_t max_bytes);

/* ------------------------------------------------------------- memory */

/* Memory for a large buffer that is reused or lives long: at least `bytes`, 64-byte aligned,
 * contents unspecified, released with svm_big_free(p, bytes) (the same bytes); NULL when out
 * of memory. From 1 MiB up it is a fresh mapping of whole 2 MiB pages that asks for
 * transparent huge pages (advice: ignored where unsupported). One
 * page table entry per 2 MiB matters beyond the TLB: on this project's VMs (Firecracker),
 * memory left untouched for ~100 ms costs microseconds per 4 KiB page on its next touch (an
 * 8 MiB memset: 3-4 ms after a 150 ms pause instead of 0.8 ms), and not per huge page. */
#define SVM_HUGE_PAGE (2u << 20)
void *svm_big_alloc(size_t bytes);
void svm_big_free(void *p, size_t bytes);

/* Every heap allocation of SuperVM goes through these four (never malloc/calloc/realloc/free
 * directly), so a test can make the N-th one fail (svm_fault_arm). Same contracts as the C
 * library's: NULL on failure (svm_calloc also when n * size overflows), svm_free(NULL) is a
 * no-op, svm_realloc leaves p untouched when it fails. Thread-safe. */
void *svm_malloc(size_t size);
void *svm_calloc(size_t n, size_t size);
void *svm_realloc(void *p, size_t size);
void svm_free(void *p);
char *svm_strdup(const char *s);

/* -------------------------------------------------------- fault injection */

/* Test-only fault injection, in the manner of SQLite's: each kind of fallible operation counts
 * its calls while armed and fails the nth one. SVM_FAULT_ALLOC covers svm_malloc/calloc/realloc
 * (and arena chunks, svm_big_alloc, buffers and maps, which use them); SVM_FAULT_IO covers the
 * store's writes and syncs (put, reserve, del, cursor del, commit — store.h). Disarmed (the
 * default) each check is one relaxed atomic load.
 *   svm_fault_arm(kind, nth, err, persist): count from 0 again; call number nth (1-based) fails,
 *     and every later one too when persist; nth == 0 only counts. err is what an I/O fault
 *     reports (an errno value: ENOSPC, EIO; ignored for ALLOC).
 *   svm_fault_disarm(kind): stops failing and counting; returns the calls counted since armed.
 *   svm_fault_fired(kind): how many calls failed since armed.
 *   svm_fault_check(kind): what instrumented code calls before the operation: 0 to go on, or
 *     the errno value to fail with. Thread-safe (counts are atomic). */
typedef enum { SVM_FAULT_ALLOC = 0, SVM_FAULT_IO = 1, SVM_FAULT_KINDS } svm_fault_kind_t;
void svm_fault_arm(svm_fault_kind_t kind, uint64_t nth, int err, bool persist);
uint64_t svm_fault_disarm(svm_fault_kind_t kind);
uint64_t svm_fault_fired(svm_fault_kind_t kind);
int svm_fault_check(svm_fault_kind_t kind);

/* --------------------------------------------------------------- arena */

/* A bump allocator freed all at once. Allocations are 16-byte aligned and zero-filled.
 * bytes_max bounds the total (SVM_ENOMEM, i.e. NULL, past it). Not thread-safe. */
typedef struct svm_arena_chunk svm_arena_chunk_t;
typedef struct {
	svm_arena_chunk_t *head;
	size_t bytes_used;
	size_t bytes_max; /* 0 = unbounded */
	svm_arena_chunk_t *spare; /* emptied chunks kept by svm_arena_rewind, used before new ones */
} svm_arena_t;

void svm_arena_init(svm_arena_t *a, size_t bytes_max);
void *svm_arena_alloc(svm_arena_t *a, size_t n);   /* zeroed; NULL on exhaustion */
void *svm_arena_alloc_raw(svm_arena_t *a, size_t n); /* the same, contents unspecified */
/* Moves every allocation of src into dst (they are then freed with dst; src is left empty),
 * without copying: for work done in per-thread arenas whose results the caller keeps. dst's
 * bytes_max is not checked. */
void svm_arena_adopt(svm_arena_t *dst, svm_arena_t *src);
void *svm_arena_dup(svm_arena_t *a, const void *p, size_t n);
void svm_arena_reset(svm_arena_t *a);              /* frees every chunk but keeps the bound */
/* Empties the arena like svm_arena_reset, but keeps chunks of up to keep_bytes in all for the
 * next allocations (memory reused while it is still mapped: no page faults, on a machine where
 * each costs microseconds). Every earlier allocation is invalid afterwards; svm_arena_reset
 * frees the kept chunks too. */
void svm_arena_rewind(svm_arena_t *a, size_t keep_bytes);

/* ------------------------------------------------------------- hash map */

/* An open-addressing hash map from byte-string keys to void * values. Keys are copied into
 * the map; values are the caller's. Iteration order is unspecified and must never reach a
 * consensus output: use svm_map_sorted_keys. Not thread-safe. */
typedef struct {
	uint8_t *key; /* NULL = empty slot */
	uint32_t key_len;
	uint32_t hash;
	void *value;
} svm_map_slot_t;

typedef struct {
	svm_map_slot_t *slots;
	size_t cap;   /* power of two */
	size_t count; /* live entries */
	size_t tomb;  /* deleted markers */
} svm_map_t;

void svm_map_init(svm_map_t *m);
void svm_map_free(svm_map_t *m); /* frees keys and slots, not values */
/* Empties the map (frees its keys, not values) and keeps its table for reuse. */
void svm_map_clear(svm_map_t *m);
/* Returns the value slot for key (creating it with *value = NULL when absent). *created tells
 * which, if not NULL. NULL on allocation failure. */
void **svm_map_put(svm_map_t *m, const void *key, size_t key_len, bool *created);
void *svm_map_get(const svm_map_t *m, const void *key, size_t key_len); /* NULL if absent */
bool svm_map_has(const svm_map_t *m, const void *key, size_t key_len);
bool svm_map_del(svm_map_t *m, const void *key, size_t key_len); /* true if it was there */
/* Iterates live slots: start with *i = 0; returns NULL when done. */
svm_map_slot_t *svm_map_next(const svm_map_t *m, size_t *i);
/* Fills a malloc'd array (caller frees) with the live slots sorted by key bytes (memcmp, then
 * length), *n receives the count. Returns SVM_ENOMEM on failure. */
int svm_map_sorted(const svm_map_t *m, svm_map_slot_t ***out, size_t *n);

/* ------------------------------------------------------------- logging */

typedef enum { SVM_LOG_DEBUG, SVM_LOG_INFO, SVM_LOG_WARN, SVM_LOG_ERROR } svm_log_level_t;
void svm_log_set_level(svm_log_level_t level); /* default INFO; thread-safe */
void svm_log(svm_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define svm_log_debug(...) svm_log(SVM_LOG_DEBUG, __VA_ARGS__)
#define svm_log_info(...) svm_log(SVM_LOG_INFO, __VA_ARGS__)
#define svm_log_warn(...) svm_log(SVM_LOG_WARN, __VA_ARGS__)
#define svm_log_error(...) svm_log(SVM_LOG_ERROR, __VA_ARGS__)

/* --------------------------------------------------------------- clock */

/* Monotonic nanoseconds. Never used inside execution (see DESIGN.md determinism rules). */
uint64_t svm_clock_ns(void);
/* Wall-clock milliseconds since the Unix epoch, for block timestamps chosen by a proposer. */
uint64_t svm_clock_wall_ms(void);

/* ---------------------------------------------------------- thread pool */

/* A fixed set of worker threads running submitted jobs FIFO. Thread-safe to submit from any
 * thread; svm_pool_wait blocks until every submitted job has finished. */
typedef struct svm_pool svm_pool_t;
typedef void (*svm_pool_fn)(void *arg);

#define SVM_POOL_THREADS_MAX 256
int svm_pool_new(svm_pool_t **out, unsigned threads); /* 1..SVM_POOL_THREADS_MAX */
int svm_pool_submit(svm_pool_t *p, svm_pool_fn fn, void *arg);
void svm_pool_wait(svm_pool_t *p);
unsigned svm_pool_threads(const svm_pool_t *p);
void svm_pool_free(svm_pool_t *p); /* waits for running jobs, joins, frees */

/* Runs fn(arg, worker_index) on up to `threads` threads at once (the caller's thread is index 0)
 * and returns when all return. If the OS refuses a thread, fewer workers run (logged), so fn
 * must finish the work with any number of workers — it is the building block for executors
 * that pull from their own shared work queues. SVM_EINVAL if threads is 0 or too large. */
typedef void (*svm_par_fn)(void *arg, unsigned worker);
int svm_par_run(unsigned threads, svm_par_fn fn, void *arg);
/* As svm_par_run, but when worker 0 returns, a helper that has not started fn yet is released
 * without running it (threads of their own, made when the helpers ran out, are still joined):
 * for fork-join steps worker 0 may finish alone, so that the caller never waits for a helper
 * the OS has not scheduled yet (on a loaded machine a wake-up can take milliseconds). fn must
 * not count on any index but 0 running. */
int svm_par_run_any(unsigned threads, svm_par_fn fn, void *arg);

/* A spin-wait hint to the CPU (x86 pause, arm64 yield; nothing elsewhere). */
static inline void svm_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield");
#endif
}

/* Number of online CPUs (at least 1). */
unsigned svm_cpu_count(void);

#endif
