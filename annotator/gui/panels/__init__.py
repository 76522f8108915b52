"""Dock panels of the main window: documents, codebook, annotations, document labels."""
