"""Tests of the intercom wire protocols (SIP itself is tested in tests/wire)."""
