"""anfang (安防): the software of a residential community's security monitoring centre."""

__version__ = "0.1.0"
