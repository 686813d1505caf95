"""NLP: cleaning, sentences, language, the encoder, summaries, topics and keywords.

This package is the only one that imports torch and transformers (in :mod:`worker.nlp.encoder`).
"""
