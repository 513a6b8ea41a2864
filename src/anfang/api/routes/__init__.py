"""The platform's own routers (auth, users, events, alarms, stream, audit); the composition
root mounts them with every other part's under ``/api/v1``."""
