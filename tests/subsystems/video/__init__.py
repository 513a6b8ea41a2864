"""Tests of the video subsystem."""
