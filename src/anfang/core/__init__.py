"""Core: events, bus, pipeline, alarms, devices and supervision, site model."""
