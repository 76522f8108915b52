"""Discourse Annotator: tag framing, stance and rhetorical devices in news articles."""

__version__ = "0.1.0"
