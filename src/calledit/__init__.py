"""CalledIt: turn plain-words predictions into verifiable calls, and check them when their time comes."""

__version__ = "0.1.0"
