// A run's Workspace (samplers/workspace.h): every buffer has its documented size (the proposal
// buffers padded for the tiled layout). Their values on entry are not defined: that the samplers
// never read one they did not write is tested in buffer_use_test.cc.
#include "rtk/samplers/workspace.h"

#include <initializer_list>

#include "check.h"

TEST(workspace, host_buffers_have_their_sizes) {
  const size_t n = 5003;
  const int d = 7;
  rtk::Workspace<double> w(n, d);
  for (const auto* b : {&w.x, &w.z, &w.score, &w.grad_g, &w.aux_score}) CHECK_EQ(b->size(), n * d);
  for (const auto* b : {&w.g, &w.energy}) CHECK_EQ(b->size(), n);
  for (const auto* b : {&w.z_prop, &w.score_prop, &w.grad_g_prop, &w.aux}) CHECK_EQ(b->size(), rtk::tiled_size(n, d));
  CHECK_EQ(w.g_prop.size(), rtk::tiled_size(n, 1));
  rtk::Workspace<float> wf(3, 2);
  CHECK_EQ(wf.aux.size(), rtk::tiled_size(3, 2));
}

// A BufferUse leaves the buffers it does not name empty, and sizes the others.
TEST(workspace, buffers_left_out_of_the_use_stay_empty) {
  const size_t n = 37;
  const int d = 3;
  rtk::BufferUse use = rtk::BufferUse::none();
  use.score_prop = use.energy = true;
  rtk::Workspace<double> w(n, d, use);
  CHECK_EQ(w.x.size(), n * d);
  CHECK_EQ(w.score_prop.size(), rtk::tiled_size(n, d));
  CHECK_EQ(w.energy.size(), n);
  for (const auto* b : {&w.z, &w.score, &w.grad_g, &w.g, &w.z_prop, &w.grad_g_prop, &w.g_prop, &w.aux, &w.aux_score})
    CHECK_EQ(b->size(), size_t{0});
}
