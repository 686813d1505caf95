"""Evaluation: score the pipeline and simple baselines on labelled JSONL files (`newsworker eval`).

- :mod:`.datasets` reads a JSONL file with configurable field names (or a built-in preset);
- :mod:`.baselines` holds Lead-k and TextRank, on the same cleaned and split sentences;
- :mod:`.scores` computes ROUGE and classification scores;
- :mod:`.entity_scores` scores entities against gold place, person and organisation tags;
- :mod:`.evaluate` runs every system over the items and builds the report;
- :mod:`.report` prints the report's tables and writes its JSON;
- :mod:`.command` is the thin CLI function;
- :mod:`.reprint_generator`, :mod:`.reprint_quality` and :mod:`.reprint_report`: reprint
  detection measured on real articles and generated reprints (`newsworker eval-reprints`).

Nothing here imports torch at module level: the pipeline is loaded only when it is evaluated.
"""
