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

  // The blocks' sums added in block order, each block's its first piece's sum head(i) continued
  // in row order with the stored(i) terms each later piece i stored: one thread's bits.
  template <class Head, class Stored>
  double sum_of_blocks(Head&& head, Stored&& stored) const {
    double total = 0, block = 0;
    for (size_t i = 0; i < pieces_->pieces.size(); ++i) {
      if (pieces_->heads(i)) {
        block = head(i);
      } else {
        const double* t = terms_.data() + offsets_[i];
        for (size_t k = 0, count = stored(i); k < count; ++k) block += t[k];
      }
      if (pieces_->ends(i)) total += block;
    }
    return total;
  }

 private:
  const ThreadPool::Pieces* pieces_ = nullptr;
  std::vector<size_t> offsets_;
  std::vector<double> terms_;
};

}  // namespace rtk
