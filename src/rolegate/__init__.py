"""rolegate: a hub-and-spoke AWS organization as one reviewed file."""

__version__ = "0.1.0"
