/*
 * rtk-diffusion native score plugins: the C ABI a shared library implements so that its score
 * (and optionally energy) of a density path p_t drives the samplers entirely in native code.
 *
 * A plugin is a shared library (.so / .dylib) that exports one function, rtk_score_plugin_v1,
 * returning a pointer to a static, immutable rtk_score_plugin table. JS loads it with
 * loadScorePlugin(path, { dim, config }), which dlopen()s the file (RTLD_NOW | RTLD_LOCAL),
 * looks the symbol up, checks abi_version == RTK_SCORE_PLUGIN_ABI and calls create() once.
 *
 * Conventions (rtk-math.md): time t of the forward OU process dX = -X dt + sqrt(2) dB;
 * score(x, t) = grad log p_t(x); energy(x, t) = -log p_t(x) up to an additive constant (the
 * constant may depend on t but must be the same for every x at that t).
 *
 * Contract:
 *  - create(config_json, dim, err, err_len): config_json is the JSON text of the user's config
 *    (always valid JSON, NUL-terminated; "{}" when none was given), dim >= 1 the dimension.
 *    Returns an opaque context, or NULL after writing a NUL-terminated message of at most
 *    err_len bytes (including the NUL) into err. Called once per loadScorePlugin, on the JS
 *    thread.
 *  - destroy(ctx): frees the context. Called exactly once, when neither the JS object nor any
 *    running sampler uses it any more; the library is dlclose()d right after.
 *  - score(ctx, x, n, dim, t, out): x holds n rows of dim doubles (row-major), out receives n rows
 *    of dim doubles: grad log p_t at each row. energy(ctx, x, n, dim, t, out): out receives n
 *    doubles, -log p_t(x_i). Both return 0 on success; any other value fails the run (the run
 *    rejects with an error naming the plugin, the code and t). energy may be NULL (then the
 *    target has no energy: sampler 'rtk-mala' is refused, score-only 'rtk-mala-es' works).
 *  - CONCURRENCY: score and energy are called concurrently from several threads, each on a
 *    disjoint chunk of the batch (consecutive rows, any chunk sizes, any n >= 1), with the same
 *    ctx. The context must be safe for that: treat it as read-only after create, and keep
 *    per-call scratch on the stack or allocate it per call (or guard shared caches yourself).
 *  - Each row's result must depend only on that row, t and the context (never on n, on the
 *    chunking or on the thread), so that runs are reproducible for any thread count.
 *  - Non-finite outputs are not errors at this level: MALA rejects such proposals, the other
 *    samplers stop the run with an error.
 *  - Functions must not throw C++ exceptions or call longjmp across this boundary.
 */
#ifndef RTK_SCORE_PLUGIN_H
#define RTK_SCORE_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTK_SCORE_PLUGIN_ABI 1

typedef struct rtk_score_plugin {
  int abi_version;   /* RTK_SCORE_PLUGIN_ABI */
  /* returns an opaque context, or NULL with a message in err */
  void* (*create)(const char* config_json, int dim, char* err, size_t err_len);
  void  (*destroy)(void* ctx);
  /* x: n*dim row-major, out: n*dim; grad log p_t. Returns 0 on success. */
  int   (*score)(void* ctx, const double* x, size_t n, int dim, double t, double* out);
  /* optional, may be NULL: out[i] = -log p_t(x_i) up to a constant. Returns 0 on success. */
  int   (*energy)(void* ctx, const double* x, size_t n, int dim, double t, double* out);
} rtk_score_plugin;

/* Marks the entry point exported even under -fvisibility=hidden. */
#ifndef RTK_SCORE_PLUGIN_EXPORT
#if defined(_WIN32)
#define RTK_SCORE_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define RTK_SCORE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define RTK_SCORE_PLUGIN_EXPORT
#endif
#endif

/* exported by the shared library: */
RTK_SCORE_PLUGIN_EXPORT const rtk_score_plugin* rtk_score_plugin_v1(void);

#ifdef __cplusplus
}
#endif

#endif /* RTK_SCORE_PLUGIN_H */
