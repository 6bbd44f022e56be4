from __future__ import annotations

import numpy as np
import pyarrow as pa

from ftspec.data import scratch
from ftspec.data.ngrams import word_hashes


def test_take_hands_out_the_same_memory_until_a_larger_count_grows_it() -> None:
    first = scratch.take("test.reuse", 100, np.uint64)
    again = scratch.take("test.reuse", 60, np.uint64)
    assert np.shares_memory(first, again) and len(again) == 60
    grown = scratch.take("test.reuse", 1000, np.uint64)
    assert len(grown) == 1000 and not np.shares_memory(first, grown)
    assert scratch.take("test.reuse", 10, np.int8).dtype == np.int8  # another dtype: another array


def test_zeros_clears_what_an_earlier_batch_left() -> None:
    scratch.take("test.zeros", 8, np.uint8)[:] = 7
    assert not scratch.zeros("test.zeros", 8, np.uint8).any()


def test_a_short_batch_after_a_long_one_hashes_as_it_does_alone() -> None:
    short = pa.array(["Tiny text", "two"], pa.large_string())
    alone = word_hashes(short)
    long = pa.array(["many more words " * 5000, "x" * 70_000], pa.large_string())
    word_hashes(long)  # leaves its bytes in the reused arrays
    after = word_hashes(short)
    assert np.array_equal(after.hashes, alone.hashes) and np.array_equal(after.first, alone.first)
