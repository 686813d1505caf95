"""A small WordPiece tokenizer trained offline on given texts, for models with random weights.

The backend tests and ``bench/backends.py`` exercise the abstractive, NLI and classifier code
with random weights of real architectures, because no pretrained weights can be downloaded here;
such a model still needs a tokenizer, and this one is trained in a second on a few articles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
VOCABULARY = 600


def train_wordpiece(directory: Path, corpus: list[str], window: int) -> Any:
    """A BERT-style WordPiece tokenizer of 600 pieces trained on `corpus`, for models of `window`
    positions, saved in `directory` (as `save_pretrained` writes it)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.train_from_iterator(
        corpus, trainers.WordPieceTrainer(vocab_size=VOCABULARY, special_tokens=SPECIAL)
    )
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer,
        model_max_length=window,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        bos_token="[CLS]",
        eos_token="[SEP]",
    )
    fast.save_pretrained(directory)
    return fast
