#include "plugin_oracle.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#if defined(_WIN32)
// Score plugins use dlopen; Windows builds report them as unsupported.
#else
#include <dlfcn.h>
#include <sys/stat.h>
#endif

namespace rtk_addon {

namespace {

// The shortest "%.{p}g" form of t that reads back exactly.
std::string format_time(double t) {
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, t);
    if (std::strtod(buffer, nullptr) == t) break;
  }
  return buffer;
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

}  // namespace

#if defined(_WIN32)

std::shared_ptr<const ScorePluginLibrary> ScorePluginLibrary::load(const std::string& path, int, const std::string&) {
  throw std::runtime_error("Cannot load score plugin " + quoted(path) +
                           ": native score plugins are not supported on Windows yet");
}

ScorePluginLibrary::~ScorePluginLibrary() = default;

#else

std::shared_ptr<const ScorePluginLibrary> ScorePluginLibrary::load(const std::string& path, int dim,
                                                                   const std::string& config_json) {
  const std::string prefix = "Cannot load score plugin " + quoted(path) + ": ";
  if (dim < 1) throw std::invalid_argument(prefix + "dim must be a positive integer, got " + std::to_string(dim));
  if (path.empty()) throw std::invalid_argument("Cannot load score plugin: the path is empty");
  if (path.find('\0') != std::string::npos) throw std::invalid_argument(prefix + "the path contains a NUL character");
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) throw std::runtime_error(prefix + "no such file");
    throw std::runtime_error(prefix + std::strerror(error));
  }
  if (S_ISDIR(info.st_mode)) throw std::runtime_error(prefix + "it is a directory, not a shared library");
  // A name without a slash would be searched on the library path: always load the file itself.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;

  std::shared_ptr<ScorePluginLibrary> library(new ScorePluginLibrary(path, dim));
  dlerror();
  library->handle_ = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library->handle_ == nullptr) {
    const char* why = dlerror();
    throw std::runtime_error(prefix + "not a loadable shared library (dlopen: " + (why ? why : "unknown error") + ")");
  }
  dlerror();
  void* symbol = dlsym(library->handle_, "rtk_score_plugin_v1");
  if (symbol == nullptr) {
    const char* why = dlerror();
    throw std::runtime_error(prefix +
                             "the library does not export the symbol rtk_score_plugin_v1 (define it with C "
                             "linkage: include rtk/score_plugin.h); dlsym: " +
                             (why ? why : "symbol is NULL"));
  }
  using Entry = const rtk_score_plugin* (*)();
  Entry entry;
  static_assert(sizeof entry == sizeof symbol, "function and object pointers differ in size");
  std::memcpy(&entry, &symbol, sizeof entry);
  const rtk_score_plugin* api = entry();
  if (api == nullptr) throw std::runtime_error(prefix + "rtk_score_plugin_v1() returned NULL");
  if (api->abi_version != RTK_SCORE_PLUGIN_ABI)
    throw std::runtime_error(prefix + "wrong ABI version: rtk-diffusion expects RTK_SCORE_PLUGIN_ABI " +
                             std::to_string(RTK_SCORE_PLUGIN_ABI) + " but the plugin reports abi_version " +
                             std::to_string(api->abi_version) + " (rebuild it against this rtk/score_plugin.h)");
  if (api->create == nullptr || api->destroy == nullptr || api->score == nullptr) {
    const char* missing = api->create == nullptr ? "create" : api->destroy == nullptr ? "destroy" : "score";
    throw std::runtime_error(prefix + "its rtk_score_plugin table has no " + missing + " function (NULL)");
  }
  library->api_ = api;
  constexpr size_t kErrLength = 1024;
  char err[kErrLength];
  std::memset(err, 0, sizeof err);
  void* ctx = nullptr;
  try {
    ctx = api->create(config_json.c_str(), dim, err, kErrLength);
  } catch (...) {
    throw std::runtime_error(prefix + "create() threw an exception (plugins must not throw across the C ABI)");
  }
  if (ctx == nullptr) {
    err[kErrLength - 1] = '\0';
    throw std::runtime_error(prefix + "create() failed: " + (err[0] ? err : "(the plugin gave no message)"));
  }
  library->ctx_ = ctx;
  return library;
}

ScorePluginLibrary::~ScorePluginLibrary() {
  if (ctx_ != nullptr && api_ != nullptr) {
    try {
      api_->destroy(ctx_);
    } catch (...) {
      // Nothing can be reported from here; a throwing destroy is the plugin's bug.
    }
  }
  if (handle_ != nullptr) dlclose(handle_);
}

#endif

void ScorePluginLibrary::call(const double* x, size_t n, double t, double* score, double* energy) const {
  if (n == 0) return;
  if (score != nullptr) {
    int rc;
    try {
      rc = api_->score(ctx_, x, n, dim_, t, score);
    } catch (...) {
      throw std::runtime_error("score plugin " + quoted(path_) + ": score() threw an exception at t = " +
                               format_time(t) + " (plugins must not throw across the C ABI)");
    }
    if (rc != 0)
      throw std::runtime_error("score plugin " + quoted(path_) + ": score() returned " + std::to_string(rc) +
                               " at t = " + format_time(t));
  }
  if (energy != nullptr) {
    if (api_->energy == nullptr)
      throw std::runtime_error("score plugin " + quoted(path_) + " has no energy function");
    int rc;
    try {
      rc = api_->energy(ctx_, x, n, dim_, t, energy);
    } catch (...) {
      throw std::runtime_error("score plugin " + quoted(path_) + ": energy() threw an exception at t = " +
                               format_time(t) + " (plugins must not throw across the C ABI)");
    }
    if (rc != 0)
      throw std::runtime_error("score plugin " + quoted(path_) + ": energy() returned " + std::to_string(rc) +
                               " at t = " + format_time(t));
  }
}

}  // namespace rtk_addon
