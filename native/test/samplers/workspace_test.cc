// A run's Workspace (samplers/workspace.h): its host buffers are allocated untouched and zeroed
// on the pool, so every value starts at zero whatever the thread count, and every buffer has
// its documented size (the proposal buffers padded for the tiled layout).
#include "rtk/samplers/workspace.h"

#include <initializer_list>

#include "check.h"

TEST(workspace, host_buffers_start_zeroed_with_their_sizes_for_any_thread_count) {
  const size_t n = 5003;
  const int d = 7;
  for (int threads : {1, 2, 3}) {
    rtk::ThreadPool pool(threads);
    rtk::Workspace<double> w(pool, n, d);
    for (const auto* b : {&w.x, &w.z, &w.score, &w.grad_g, &w.aux_score}) CHECK_EQ(b->size(), n * d);
    for (const auto* b : {&w.g, &w.energy}) CHECK_EQ(b->size(), n);
    for (const auto* b : {&w.z_prop, &w.score_prop, &w.grad_g_prop, &w.aux}) CHECK_EQ(b->size(), rtk::tiled_size(n, d));
    CHECK_EQ(w.g_prop.size(), rtk::tiled_size(n, 1));
    for (const auto* b : {&w.x, &w.z, &w.score, &w.grad_g, &w.g, &w.energy, &w.z_prop, &w.score_prop, &w.grad_g_prop,
                          &w.g_prop, &w.aux, &w.aux_score})
      for (double v : *b) CHECK_EQ(v, 0.0);
    rtk::Workspace<float> wf(pool, 3, 2);
    for (float v : wf.aux) CHECK_EQ(v, 0.0f);
  }
}

// A BufferUse leaves the buffers it does not name empty, and sizes and zeroes the others.
TEST(workspace, buffers_left_out_of_the_use_stay_empty) {
  const size_t n = 37;
  const int d = 3;
  rtk::ThreadPool pool(2);
  rtk::BufferUse use = rtk::BufferUse::none();
  use.score_prop = use.energy = true;
  rtk::Workspace<double> w(pool, n, d, use);
  CHECK_EQ(w.x.size(), n * d);
  CHECK_EQ(w.score_prop.size(), rtk::tiled_size(n, d));
  CHECK_EQ(w.energy.size(), n);
  for (double v : w.score_prop) CHECK_EQ(v, 0.0);
  for (const auto* b : {&w.z, &w.score, &w.grad_g, &w.g, &w.z_prop, &w.grad_g_prop, &w.g_prop, &w.aux, &w.aux_score})
    CHECK_EQ(b->size(), size_t{0});
}
