"""The writing side of the index: profiles read, shards built, live updates applied.

Modules: :mod:`documents` (profiles from the database and their Tantivy JSON), :mod:`forward_rows`
(forward-store rows of profiles), :mod:`builder` (a full rebuild and the swap), :mod:`live` (the
outbox applied to the serving version).
"""
