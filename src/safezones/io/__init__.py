"""Readers and writers of files: inputs (events, population, tables), outputs (atomic, markers)."""
