"""Tests of the home alarm adapters."""
