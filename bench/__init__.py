"""Benchmarks: measured, not timed tests. See bench/README.md."""
