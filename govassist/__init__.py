"""Composition root of govassist: settings, the `govassist` command line, process runner."""
