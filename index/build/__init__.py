"""The writing side of the index: profiles read from the database, shards built, live updates applied."""
