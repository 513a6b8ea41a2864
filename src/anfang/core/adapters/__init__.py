"""Vendor-neutral device adapters: pure wire-format cores and their thin transports."""
