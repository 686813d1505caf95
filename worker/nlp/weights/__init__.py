"""Model weights: the manifest of what to load and its checksums (:mod:`.manifest`), what
`newsworker models` does with it: fetch, pin and verify (:mod:`.manage`), and a small WordPiece
tokenizer for models with random weights, trained offline (:mod:`.wordpiece`).

No torch here at import time: fetching, pinning and verifying are file operations.
"""
