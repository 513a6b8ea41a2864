"""Benchmarks of anfang and their recorded results (see docs/benchmarks.md)."""
