"""The composition root: the only part that knows every other, builds the platform from
the kernel and the subsystems found through entry points, and serves it over HTTP."""
