"""Audit: a hash-chained, signed record of every operator action and record access."""
