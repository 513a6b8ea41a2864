"""Intercom wire protocols: SIP (pure core) and its UDP transport."""
