"""What-if, fragility, sensitivity and consistency: variants of a dossier, never written to disk.

Layer: beside quality/, corpus/, audit/ and report/ (above assessment.py, below cli/).

- :mod:`engine.whatif.changes`: one change (a record's or judgment's value, a record removed, a
  contested reading's alternative, a parameter for the assessed year), applied to a dossier or to
  the engine's input facts; parsed from `--set`, `--without`, `--reading`, `--param`.
- :mod:`engine.whatif.params`: a rulebook with one parameter overridden (its own sha256), and
  which parameters a rule in force reads.
- :mod:`engine.whatif.extra`: records added from a YAML file, checked like a dossier's.
- :mod:`engine.whatif.variant`: a variant assessed beside the base, with the findings that flipped.
- :mod:`engine.whatif.fragility`: every single change that moves a placement.
- :mod:`engine.whatif.sensitivity`: fragility over a corpus (and pairs of changes), summarised.
- :mod:`engine.whatif.executor`: one interface for sweeps: this process, local processes, Dask.
- :mod:`engine.whatif.consistency`: like findings with unlike placements, and the reverse.
- :mod:`engine.whatif.render`: text, markdown, html and json for all of the above.
"""
