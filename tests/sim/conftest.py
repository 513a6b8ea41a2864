"""The simulator tests use the HTTP push fixtures (app with the ingest router, live server)."""

from tests.ingest.conftest import client, live_url

__all__ = ["client", "live_url"]
