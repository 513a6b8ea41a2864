"""Tests of the building intercom."""
