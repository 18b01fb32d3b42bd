// An example rtk-diffusion score plugin (native/include/rtk/score_plugin.h): the anisotropic
// Gaussian p_0 = N(mu, Sigma) pushed through the forward process dX = -X dt + sqrt(2) dB, whose
// marginals are exact Gaussians:
//
//   p_t = N(m_t, S_t),  m_t = e^{-t} mu,  S_t = e^{-2t} Sigma + (1 - e^{-2t}) I
//   score(x, t)  = -S_t^{-1} (x - m_t)
//   energy(x, t) = 0.5 (x - m_t)^T S_t^{-1} (x - m_t) + 0.5 log det S_t + 0.5 d log(2 pi)
//
// Config (JSON): {"mean": [d numbers], "covariance": [[d numbers] x d]} (symmetric, positive
// definite). Build: `npm run build:example-plugin` (c++ -O3 -march=native, like the addon) or
// the CMake target rtk_example_plugin (portable). Needs GCC or Clang (vector extension below).
//
// Return codes of score/energy: 2 dim differs from create's, 3 t is negative or not finite,
// 4 S_t is not positive definite, 5 out of memory.
//
// Thread safety: the context is read-only after create; every score/energy call factorises S_t
// (Cholesky) into its own local buffers, so concurrent calls on disjoint chunks are safe and a
// row's result depends only on the row and t.
#include <rtk/score_plugin.h>

#include <cmath>
#include <cstdio>
#include <locale>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

// ---- a minimal JSON reader for exactly {"mean": [...], "covariance": [[...], ...]} ----------
struct Reader {
  const char* p;
  std::string error;

  void space() {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
  }
  bool fail(const std::string& message) {
    error = message;  // the outermost context wins: callers re-fail with a fuller message
    return false;
  }
  bool expect(char c) {
    space();
    if (*p != c) return fail(std::string("expected '") + c + "' in the config JSON");
    ++p;
    return true;
  }
  bool string(std::string& out) {
    space();
    if (*p != '"') return fail("expected a string key in the config JSON");
    ++p;
    out.clear();
    while (*p && *p != '"') {
      if (*p == '\\') return fail("escaped characters are not supported in config keys");
      out += *p++;
    }
    if (*p != '"') return fail("unterminated string in the config JSON");
    ++p;
    return true;
  }
  bool number(double& out) {
    space();
    const char* start = p;
    if (*p == '-') ++p;
    while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-') ++p;
    if (p == start) return fail("expected a number in the config JSON");
    std::istringstream in(std::string(start, p));
    in.imbue(std::locale::classic());  // JSON numbers use '.', whatever the process locale
    in >> out;
    if (in.fail() || !in.eof() || !std::isfinite(out)) return fail("invalid number '" + std::string(start, p) + "'");
    return true;
  }
  // [n, n, ...] of exactly `length` numbers.
  bool vector(std::vector<double>& out, size_t length, const std::string& what) {
    space();
    if (*p != '[') return fail(what + " must be an array of numbers");
    ++p;
    out.clear();
    space();
    if (*p == ']') ++p;
    else
      for (;;) {
        double v;
        if (!number(v)) return fail(what + " must contain only finite numbers (" + error + ")");
        out.push_back(v);
        space();
        if (*p == ',') {
          ++p;
          continue;
        }
        if (!expect(']')) return false;
        break;
      }
    if (out.size() != length)
      return fail(what + " has " + std::to_string(out.size()) + " entries but dim is " + std::to_string(length));
    return true;
  }
};

struct Gaussian {
  int d = 0;
  std::vector<double> mean;        // d
  std::vector<double> covariance;  // d*d, symmetric
};

// The parameters of p_t: mean m_t, precision S_t^{-1} and log det S_t.
struct AtTime {
  std::vector<double> mean, precision;
  double log_det = 0;
};

// Cholesky S = L L^T in place (lower triangle); false when S is not positive definite.
bool cholesky(std::vector<double>& a, int d) {
  for (int j = 0; j < d; ++j) {
    double diag = a[j * d + j];
    for (int k = 0; k < j; ++k) diag -= a[j * d + k] * a[j * d + k];
    if (!(diag > 0) || !std::isfinite(diag)) return false;
    const double l = std::sqrt(diag);
    a[j * d + j] = l;
    for (int i = j + 1; i < d; ++i) {
      double s = a[i * d + j];
      for (int k = 0; k < j; ++k) s -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = s / l;
    }
  }
  return true;
}

bool at_time(const Gaussian& g, double t, AtTime& out) {
  const int d = g.d;
  const double decay = std::exp(-t), decay2 = std::exp(-2.0 * t), noise = -std::expm1(-2.0 * t);
  std::vector<double> l(static_cast<size_t>(d) * d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) l[i * d + j] = decay2 * g.covariance[i * d + j] + (i == j ? noise : 0.0);
  if (!cholesky(l, d)) return false;
  out.mean.resize(d);
  for (int i = 0; i < d; ++i) out.mean[i] = decay * g.mean[i];
  out.log_det = 0;
  for (int i = 0; i < d; ++i) out.log_det += 2.0 * std::log(l[i * d + i]);
  // inv = L^{-1} (lower triangular), then precision = inv^T inv.
  std::vector<double> inv(static_cast<size_t>(d) * d, 0.0);
  for (int j = 0; j < d; ++j) {
    inv[j * d + j] = 1.0 / l[j * d + j];
    for (int i = j + 1; i < d; ++i) {
      double s = 0;
      for (int k = j; k < i; ++k) s -= l[i * d + k] * inv[k * d + j];
      inv[i * d + j] = s / l[i * d + i];
    }
  }
  out.precision.assign(static_cast<size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = 0;
      for (int k = i; k < d; ++k) s += inv[k * d + i] * inv[k * d + j];
      out.precision[i * d + j] = s;
      out.precision[j * d + i] = s;
    }
  return true;
}

void write_error(char* err, size_t err_len, const std::string& message) {
  if (err == nullptr || err_len == 0) return;
  std::snprintf(err, err_len, "%s", message.c_str());
}

void* create_config(const char* config_json, int dim, char* err, size_t err_len) {
  if (dim < 1) {
    write_error(err, err_len, "dim must be >= 1");
    return nullptr;
  }
  std::unique_ptr<Gaussian> g(new Gaussian());
  g->d = dim;
  Reader r{config_json ? config_json : "", {}};
  bool have_mean = false, have_cov = false;
  bool ok = r.expect('{');
  if (!ok) r.error = "the config must be a JSON object {\"mean\": [...], \"covariance\": [[...], ...]}";
  r.space();
  if (ok && *r.p == '}') ++r.p;
  else
    while (ok) {
      std::string key;
      ok = r.string(key) && r.expect(':');
      if (!ok) break;
      if (key == "mean" && !have_mean) {
        ok = r.vector(g->mean, static_cast<size_t>(dim), "mean");
        have_mean = true;
      } else if (key == "covariance" && !have_cov) {
        ok = r.expect('[');
        if (!ok) {
          r.error = "covariance must be an array of rows";
          break;
        }
        std::vector<double> row;
        for (int i = 0; ok && i < dim; ++i) {
          if (i > 0) ok = r.expect(',');
          ok = ok && r.vector(row, static_cast<size_t>(dim), "covariance row " + std::to_string(i));
          g->covariance.insert(g->covariance.end(), row.begin(), row.end());
        }
        ok = ok && r.expect(']');
        if (!ok && r.error.rfind("covariance", 0) != 0)
          r.error = "covariance must be an array of " + std::to_string(dim) + " rows of " + std::to_string(dim) +
                    " numbers (" + r.error + ")";
        have_cov = true;
      } else {
        r.error = key == "mean" || key == "covariance" ? "duplicate key '" + key + "' in the config"
                                                       : "unknown key '" + key + "' in the config (expected mean, covariance)";
        ok = false;
      }
      if (!ok) break;
      r.space();
      if (*r.p == ',') {
        ++r.p;
        continue;
      }
      ok = r.expect('}');
      break;
    }
  if (ok) {
    r.space();
    if (*r.p != '\0') ok = r.fail("unexpected text after the config object");
  }
  if (ok && (!have_mean || !have_cov)) ok = r.fail(std::string("the config needs both 'mean' and 'covariance' (missing '") +
                                                   (have_mean ? "covariance" : "mean") + "')");
  if (ok) {
    for (int i = 0; ok && i < dim; ++i)
      for (int j = 0; ok && j < i; ++j) {
        const double a = g->covariance[i * dim + j], b = g->covariance[j * dim + i];
        const double scale = std::sqrt(std::fabs(g->covariance[i * dim + i] * g->covariance[j * dim + j]));
        if (std::fabs(a - b) > 1e-12 * (scale > 0 ? scale : 1.0))
          ok = r.fail("covariance is not symmetric: [" + std::to_string(i) + "][" + std::to_string(j) +
                      "] != [" + std::to_string(j) + "][" + std::to_string(i) + "]");
        else g->covariance[i * dim + j] = g->covariance[j * dim + i] = 0.5 * (a + b);
      }
  }
  if (ok) {
    std::vector<double> l = g->covariance;
    if (!cholesky(l, dim)) ok = r.fail("covariance is not positive definite (Cholesky failed)");
  }
  if (!ok) {
    write_error(err, err_len, r.error);
    return nullptr;
  }
  return g.release();
}

void destroy(void* ctx) { delete static_cast<Gaussian*>(ctx); }

// Rows are processed in tiles of kTile, transposed so that the inner loops run across the
// tile's rows as one vector operation (GCC/Clang vector extension, 4 doubles with AVX, else 2
// (measured fastest for d = 10, also with AVX-512); each lane's arithmetic is exactly the scalar arithmetic). Every row's
// arithmetic is the same whatever tile it falls in (short tiles repeat their last row), so
// results do not depend on how the batch is chunked.
#if defined(__AVX__)
constexpr size_t kTile = 4;
#else
constexpr size_t kTile = 2;
#endif
typedef double Tile __attribute__((vector_size(kTile * sizeof(double))));

// rt[j][r] = x_r[j] - m[j] for the rows r of one tile.
void tile_residuals(const double* x, size_t rows, size_t d, const double* m, Tile* rt) {
  for (size_t j = 0; j < d; ++j) {
    Tile v;
    for (size_t r = 0; r < kTile; ++r) v[r] = x[(r < rows ? r : rows - 1) * d + j];
    rt[j] = v - m[j];
  }
}

// py[i] = sum_j P_ij rt[j]: the precision matrix times each row's residual.
void tile_precision_times(const double* prec, const Tile* rt, size_t d, Tile* py) {
  for (size_t i = 0; i < d; ++i) {
    Tile acc = Tile{};
    for (size_t j = 0; j < d; ++j) acc += prec[i * d + j] * rt[j];
    py[i] = acc;
  }
}

int score_rows(void* ctx, const double* x, size_t n, int dim, double t, double* out) {
  const Gaussian& g = *static_cast<const Gaussian*>(ctx);
  if (dim != g.d) return 2;
  if (!(t >= 0) || !std::isfinite(t)) return 3;
  AtTime a;
  if (!at_time(g, t, a)) return 4;
  const size_t d = static_cast<size_t>(dim);
  std::vector<Tile> rt(d), py(d);
  for (size_t row = 0; row < n; row += kTile) {
    const size_t rows = n - row < kTile ? n - row : kTile;
    tile_residuals(x + row * d, rows, d, a.mean.data(), rt.data());
    tile_precision_times(a.precision.data(), rt.data(), d, py.data());
    for (size_t i = 0; i < d; ++i)
      for (size_t r = 0; r < rows; ++r) out[(row + r) * d + i] = -py[i][r];
  }
  return 0;
}

int energy_rows(void* ctx, const double* x, size_t n, int dim, double t, double* out) {
  const Gaussian& g = *static_cast<const Gaussian*>(ctx);
  if (dim != g.d) return 2;
  if (!(t >= 0) || !std::isfinite(t)) return 3;
  AtTime a;
  if (!at_time(g, t, a)) return 4;
  const size_t d = static_cast<size_t>(dim);
  constexpr double log_two_pi = 1.8378770664093454835606594728112;
  const double constant = 0.5 * (a.log_det + dim * log_two_pi);
  std::vector<Tile> rt(d), py(d);
  for (size_t row = 0; row < n; row += kTile) {
    const size_t rows = n - row < kTile ? n - row : kTile;
    tile_residuals(x + row * d, rows, d, a.mean.data(), rt.data());
    tile_precision_times(a.precision.data(), rt.data(), d, py.data());
    Tile q = Tile{};
    for (size_t i = 0; i < d; ++i) q += rt[i] * py[i];
    for (size_t r = 0; r < rows; ++r) out[row + r] = 0.5 * q[r] + constant;
  }
  return 0;
}

// No C++ exception may cross the C ABI: allocation failures become errors / return codes.
void* create(const char* config_json, int dim, char* err, size_t err_len) {
  try {
    return create_config(config_json, dim, err, err_len);
  } catch (...) {
    write_error(err, err_len, "out of memory while reading the config");
    return nullptr;
  }
}

int score(void* ctx, const double* x, size_t n, int dim, double t, double* out) {
  try {
    return score_rows(ctx, x, n, dim, t, out);
  } catch (...) {
    return 5;
  }
}

int energy(void* ctx, const double* x, size_t n, int dim, double t, double* out) {
  try {
    return energy_rows(ctx, x, n, dim, t, out);
  } catch (...) {
    return 5;
  }
}

const rtk_score_plugin kPlugin = {RTK_SCORE_PLUGIN_ABI, create, destroy, score, energy};

}  // namespace

extern "C" const rtk_score_plugin* rtk_score_plugin_v1(void) { return &kPlugin; }
