"""The HTTP API: app factory, authentication, role checks, routers and the WebSocket."""
