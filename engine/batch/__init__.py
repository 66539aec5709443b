"""Many dossiers at once: a pool of worker processes, results in path order, per-dossier errors.

`pool.py` runs one job over many items on the standard library's process pool; `dossiers.py`
finds the dossiers under the paths given; `assess.py` is the job of `tip-assess assess PATH...`
(load, assess, one row per dossier) and `render.py` writes those rows as a table, CSV, JSON lines
or one JSON document. `validate` (engine.corpus) and `impact` (engine.audit) run their own jobs
on the same pool.
"""

BATCH_FORMATS = ["table", "csv", "jsonl", "json"]
