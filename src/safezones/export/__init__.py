"""Results written to files: result folders, their lossless store, comparisons, columns.

- :mod:`safezones.export.folder`: one scored scenario as a folder
  (:meth:`ScenarioResult.to_file <safezones.model.result.ScenarioResult.to_file>`).
- :mod:`safezones.export.store`: its ``result/`` copy, read back and reused.
- :mod:`safezones.export.comparison`: comparison.csv, comparison.md, comparison.png.
- :mod:`safezones.export.columns`: how tables round for a file, and ``columns.csv``.
"""
