"""Benchmarks of Discourse Annotator: `python -m benchmarks` from the checkout.

They live beside the package, never inside it (as napari's do): nothing under
`annotator/` imports them, and they are not installed with it. Every suite builds its
projects with the one builder in `synthetic.py`, through the project's own write paths.
"""
