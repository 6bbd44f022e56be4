"""Token counting: the documented approximation, and exact counts from a local tokenizer."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ftspec.data.tokens import TEMPLATE_TOKENS_PER_MESSAGE, Approximate, counter


def test_approximation_takes_the_larger_estimate_plus_template_overhead() -> None:
    words = {
        "messages": [
            {"role": "user", "content": "one two three four"},
            {"role": "assistant", "content": "ok"},
        ]
    }
    text = "one two three four\nok"
    expected = max(math.ceil(1.3 * 5), math.ceil(len(text) / 4)) + 2 * TEMPLATE_TOKENS_PER_MESSAGE
    assert Approximate().count(words) == expected
    dense = {"prompt": "x" * 400, "completion": ""}  # one 'word' of 400 characters: the chars/4 rule wins
    assert Approximate().count(dense) == 100 + TEMPLATE_TOKENS_PER_MESSAGE


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny word-level tokenizer trained locally (no hub), saved as a transformers tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(
        ["hello world how are you today"], trainers.WordLevelTrainer(special_tokens=["[UNK]"])
    )
    path = tmp_path_factory.mktemp("tok")
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]").save_pretrained(str(path))
    return path


def test_exact_counts_with_a_local_tokenizer(tokenizer_dir: Path) -> None:
    exact = counter(tokenizer_dir)
    assert exact.exact
    assert exact.count({"prompt": "hello world", "completion": "how are you today"}) == 6
    assert counter(None).exact is False
