"""Dialogs and the welcome screen of the desktop application."""
