"""Work arrays reused from one batch to the next.

The contamination scan streams a training file in batches of a few MB, and each batch needs the same
temporaries (the folded bytes, word boundaries, 8-byte loads). Allocated afresh, every one of them is a new
block the kernel maps and faults in page by page, then unmaps when it is freed: hundreds of thousands of page
faults on a large file. Here each named temporary is one array per process, grown when a batch needs more and
otherwise handed out again as a view: its pages are faulted once.

A view from :func:`take` is valid until the next :func:`take` of the same name; nothing that outlives a batch
(word hashes kept by the index, hits) may be one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_ARRAYS: dict[str, np.ndarray] = {}
GROWTH = 1.25  # a batch a little larger than the last one does not reallocate


def take(name: str, count: int, dtype: type | str) -> np.ndarray:
    """A work array of ``count`` items of ``dtype`` (contents undefined), reused under this name."""
    import numpy as np

    kept = _ARRAYS.get(name)
    wanted = np.dtype(dtype)
    if kept is None or kept.dtype != wanted or len(kept) < count:
        size = max(count, int(len(kept) * GROWTH)) if kept is not None and kept.dtype == wanted else count
        kept = _ARRAYS[name] = np.empty(size, wanted)
    return kept[:count]


def zeros(name: str, count: int, dtype: type | str) -> np.ndarray:
    """Like :func:`take`, filled with zeros."""
    out = take(name, count, dtype)
    out.fill(0)
    return out

