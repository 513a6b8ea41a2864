"""Simulated devices and the demo community; they reach anfang only over the network."""
