"""Users, roles, permissions and bearer tokens."""
