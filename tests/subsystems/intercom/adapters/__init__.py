"""Tests of the intercom wire protocols."""
