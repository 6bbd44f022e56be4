"""The language check (ftspec.data.language) against py3langid on the labelled set tests/data/language_samples.py.

Prints, for an English project, the precision and recall of "this turn is not in a declared language" and the
time per turn of each detector, plus py3langid's model load time. py3langid is optional (pip install py3langid).

    PYTHONPATH=. python benchmarks/language_id.py
"""

from __future__ import annotations

import time

from ftspec.data.language import LanguageCheck
from tests.data.language_samples import SAMPLES

DECLARED = {"en"}
REPEAT = 50


def score(flags: list[bool]) -> tuple[float, float]:
    tp = sum(f and lang not in DECLARED for f, (lang, _) in zip(flags, SAMPLES, strict=True))
    fp = sum(f and lang in DECLARED for f, (lang, _) in zip(flags, SAMPLES, strict=True))
    fn = sum(not f and lang not in DECLARED for f, (lang, _) in zip(flags, SAMPLES, strict=True))
    return tp / ((tp + fp) or 1), tp / ((tp + fn) or 1)


def timed(detect: object) -> tuple[list[bool], float]:
    flags = [detect(text) for _, text in SAMPLES]  # type: ignore[operator]
    started = time.perf_counter()
    for _ in range(REPEAT):
        for _, text in SAMPLES:
            detect(text)  # type: ignore[operator]
    return flags, (time.perf_counter() - started) / (REPEAT * len(SAMPLES))


def main() -> None:
    check = LanguageCheck(sorted(DECLARED))
    flags, per_turn = timed(lambda text: check.foreign(text) is not None)
    p, r = score(flags)
    print(f"ftspec.data.language: precision {p:.2f} recall {r:.2f}, {per_turn * 1e6:.0f} us/turn, n={len(SAMPLES)}")
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        print("py3langid not installed: skipped")
        return
    started = time.perf_counter()
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    load = time.perf_counter() - started
    flags, per_turn = timed(lambda text: ident.classify(text)[0] not in DECLARED)
    p, r = score(flags)
    print(f"py3langid: precision {p:.2f} recall {r:.2f}, {per_turn * 1e6:.0f} us/turn, model load {load:.2f} s")


if __name__ == "__main__":
    main()
