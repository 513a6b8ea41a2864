"""Tests of the home alarm subsystem."""
