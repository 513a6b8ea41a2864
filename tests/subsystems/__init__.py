"""Tests of the subsystems."""
