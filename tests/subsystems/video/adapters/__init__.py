"""Tests of the video adapters."""
