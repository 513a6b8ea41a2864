"""Access-control device adapters: Wiegand, HTTP terminals, OSDP."""
