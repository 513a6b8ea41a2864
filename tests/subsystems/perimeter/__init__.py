"""Tests of the perimeter subsystem."""
