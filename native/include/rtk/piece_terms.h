// Sums over fixed blocks that threads may share (ThreadPool::block_pieces), with the bits of one
// thread's block sums: a block's first piece adds its terms in row order as before, its later
// pieces store their terms here instead, and the block's sum continues the first piece's with
// them afterwards, in the same order. Only the pieces where the threads' shares meet store
// terms: at most a block's rows per thread.
#pragma once
#include <cstddef>
#include <vector>

#include "thread_pool.h"

namespace rtk {

class PieceTerms {
 public:
  // The calling thread's room for the terms of the later pieces of `pieces` (one term a row at
  // most), kept between calls: no allocation in a step loop once grown. The pool's threads reach
  // it through the returned reference.
  static const PieceTerms& of(const ThreadPool::Pieces& pieces) {
    static thread_local PieceTerms t;
    t.offsets_.resize(pieces.pieces.size());
    size_t rows = 0;
    for (size_t i = 0; i < pieces.pieces.size(); ++i) {
      t.offsets_[i] = rows;
      if (!pieces.heads(i)) rows += pieces.pieces[i].end - pieces.pieces[i].begin;
    }
    if (t.terms_.size() < rows) t.terms_.resize(rows);
    t.pieces_ = &pieces;
    return t;
  }

  // Where piece i stores its terms; null for the first piece of a block (it sums them).
  double* at(size_t i) const {
    return pieces_->heads(i) ? nullptr : const_cast<double*>(terms_.data()) + offsets_[i];
  }

  // `sum` (the block's sum up to piece i) continued with the `count` terms piece i stored.
  double continue_sum(double sum, size_t i, size_t count) const {
    const double* t = terms_.data() + offsets_[i];
    for (size_t k = 0; k < count; ++k) sum += t[k];
    return sum;
  }

 private:
  const ThreadPool::Pieces* pieces_ = nullptr;
  std::vector<size_t> offsets_;
  std::vector<double> terms_;
};

}  // namespace rtk
