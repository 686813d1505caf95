"""Benchmarks: scripts that print tables (speed is never asserted in tests)."""
