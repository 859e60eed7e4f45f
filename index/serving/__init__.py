"""The reading side of the index: snapshots of the serving version, partitions, query plans, the broker."""
