// One tree's side of bench/pair.js: included once per tree, with `rtk` defined to that tree's
// namespace (rtkA, rtkB) and PAIR_VARIANT to the harness's (pair_a, pair_b), so that both
// trees' kernels live in one binary. No include guard on purpose.
namespace PAIR_VARIANT {

// A fused RTK-MALA chain (exact energy) on the paper's target at the segment t = 0.2,
// eta = 0.2, started as the samplers' 'gaussian' warm start around exact draws of p_{t+eta},
// its step size adapted to acceptance 0.6 over 30 steps (as bench/kernels sets its rows up).
struct MalaChain {
  rtk::ThreadPool pool;
  rtk::GaussianMixture target = rtk::paper_target();
  rtk::Batch b;
  int d;
  std::vector<double> anchor, z, score, energy, grad_g, g, tz, tscore, tanchor, tg;
  rtk::TiledChain<double> chain{};
  rtk::GaussianMixture::AtTime at;
  rtk::SegmentPotential pot = rtk::segment_potential(0.2);
  double tau = 0.01;
  uint32_t step = 0;

  MalaChain(size_t n, int threads) : pool(threads) {
    d = target.dim();
    b = rtk::Batch{n, d, 0};
    for (auto* v : {&anchor, &z, &score, &grad_g}) v->assign(n * d, 0.0);
    energy.assign(n, 0.0);
    g.assign(n, 0.0);
    target.sample_exact(pool, b, 0.4, 5, anchor.data());
    rtk::score_step(pool, b, rtk::ScoreStep{std::exp(0.2), 0.0, std::sqrt(std::expm1(0.4))}, anchor.data(),
                    anchor.data(), z.data(), rtk::StreamId{5, 0, 0, rtk::Purpose::WarmStart});
    target.evaluate(pool, z.data(), n, 0.2, score.data(), energy.data());
    rtk::segment_potential_batch(pool, b, pot, anchor.data(), z.data(), score.data(), energy.data(), grad_g.data(),
                                 g.data());
    const size_t tiled = rtk::tiled_size(n, d);
    for (auto* v : {&tz, &tscore, &tanchor}) v->assign(tiled, 0.0);
    tg.assign(rtk::tiled_size(n, 1), 0.0);
    rtk::to_tiles(pool, n, d, z.data(), tz.data());
    rtk::to_tiles(pool, n, d, score.data(), tscore.data());
    rtk::to_tiles(pool, n, d, anchor.data(), tanchor.data());
    rtk::to_tiles(pool, n, 1, g.data(), tg.data());
    chain = rtk::TiledChain<double>{tz.data(), tg.data(), tscore.data(), tanchor.data()};
    target.at_time(0.2, at);
    for (int i = 0; i < 40; ++i) {
      const double accept = run();
      if (i < 30) tau *= std::min(2.0, std::max(0.1, std::exp(3.0 * (accept - 0.6))));
    }
  }

  // One fused step; its mean acceptance probability.
  double run() {
    ++step;
    const rtk::MalaAcceptParams p{tau, std::numeric_limits<double>::infinity(), rtk::EnergyDelta::Exact};
    return rtk::fused_mala_step(pool, b, target, at, pot, p, chain, rtk::StreamId{5, 1, step, rtk::Purpose::Noise},
                                rtk::StreamId{5, 1, step, rtk::Purpose::Accept})
        .mean_accept_prob;
  }
};

// A fused RTK-ULD chain (gamma 2, tau 0.05) from the same start.
struct UldChain {
  MalaChain m;
  std::vector<double> tv, tgrad;
  rtk::UnadjustedMove move;
  rtk::TiledUnadjustedChain<double> chain{};

  UldChain(size_t n, int threads) : m(n, threads) {
    const size_t tiled = rtk::tiled_size(n, m.d);
    tv.assign(tiled, 0.1);
    tgrad.assign(tiled, 0.0);
    rtk::to_tiles(m.pool, n, m.d, m.grad_g.data(), tgrad.data());
    chain = rtk::TiledUnadjustedChain<double>{m.tz.data(), tv.data(), tgrad.data(), m.tanchor.data()};
    move.kind = rtk::UnadjustedMove::Uld;
    move.uld = rtk::uld_coefficients(2.0, 0.05);
    for (int i = 0; i < 5; ++i) run();
  }

  // One fused pass; its secants' sum.
  double run() {
    ++m.step;
    move.noise = rtk::StreamId{5, 2, m.step, rtk::Purpose::Noise};
    move.noise2 = rtk::StreamId{5, 2, m.step, rtk::Purpose::Noise2};
    return rtk::fused_unadjusted_step(m.pool, m.b, m.target, m.at, m.pot, move, true, chain).secants.sum;
  }
};

}  // namespace PAIR_VARIANT
