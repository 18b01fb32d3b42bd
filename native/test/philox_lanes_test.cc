// philox_lanes.h: the lane-wise Philox blocks, uniforms and Box–Muller normals give, in every
// lane, the bits of the scalar functions of philox.h for that lane's particle; normals_lanes
// gives fill_normals' d normals for any d (groups of four blocks and partial blocks), and
// uniform_and_normals_lanes the MH uniform and the normals of two streams with one seed.
#include "rtk/philox_lanes.h"

#include <cstdint>
#include <vector>

#include "check.h"
#include "same_bits.h"

namespace {

const rtk::StreamId kStream{20261130u, 3u, 17u, rtk::Purpose::Noise};
constexpr uint64_t kFirst = 0xFFFFFFFCull;  // the 32-bit particle key wraps inside the tile

}  // namespace

TEST(philox_lanes, blocks_and_uniforms_match_the_scalar_functions) {
  for (uint32_t block : {0u, 1u, 7u}) {
    rtk::LaneBits r[4];
    rtk::philox_block_lanes(kStream, kFirst, block, r);
    const rtk::Lanes u53 = rtk::uniform53_lanes(r[0], r[1]);
    const rtk::Lanes u32 = rtk::uniform_open32_lanes(r[2]);
    for (int lane = 0; lane < rtk::kLanes; ++lane) {
      const rtk::Philox4x32 s = rtk::philox_block(kStream, kFirst + lane, block);
      for (int w = 0; w < 4; ++w) CHECK_EQ(r[w][lane], static_cast<uint64_t>(s.v[w]));
      CHECK_EQ(rtk_test::bits_of(u53[lane]), rtk_test::bits_of(rtk::uniform53(s.v[0], s.v[1])));
      CHECK_EQ(rtk_test::bits_of(u32[lane]), rtk_test::bits_of(rtk::uniform_open32(s.v[2])));
    }
  }
}

TEST(philox_lanes, normals_lanes_matches_fill_normals_for_any_d) {
  for (int d = 1; d <= 37; ++d) {
    std::vector<rtk::Lanes> out(d);
    rtk::normals_lanes(kStream, kFirst, d, out.data());
    std::vector<double> want(d);
    for (int lane = 0; lane < rtk::kLanes; ++lane) {
      rtk::fill_normals(kStream, kFirst + lane, d, want.data());
      for (int i = 0; i < d; ++i) CHECK_EQ(rtk_test::bits_of(out[i][lane]), rtk_test::bits_of(want[i]));
    }
  }
}

// d = 1..12 draw the uniform's block beside the normals' blocks; d = 13..17, and streams whose
// seeds differ, one after the other.
TEST(philox_lanes, uniform_and_normals_lanes_match_uniform_draw_and_fill_normals) {
  for (uint32_t seed : {kStream.seed, kStream.seed + 1}) {
    const rtk::StreamId accept{seed, kStream.segment, kStream.step, rtk::Purpose::Accept};
    for (int d = 1; d <= 17; ++d) {
      std::vector<rtk::Lanes> out(d);
      rtk::Lanes u;
      rtk::uniform_and_normals_lanes(accept, kStream, kFirst, d, u, out.data());
      std::vector<double> want(d);
      for (int lane = 0; lane < rtk::kLanes; ++lane) {
        CHECK_EQ(rtk_test::bits_of(u[lane]), rtk_test::bits_of(rtk::uniform_draw(accept, kFirst + lane)));
        rtk::fill_normals(kStream, kFirst + lane, d, want.data());
        for (int i = 0; i < d; ++i) CHECK_EQ(rtk_test::bits_of(out[i][lane]), rtk_test::bits_of(want[i]));
      }
    }
  }
}
