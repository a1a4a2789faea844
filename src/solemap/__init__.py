"""solemap: a sourced, measurable map of the sole of the foot."""

__version__ = "0.1.0"
