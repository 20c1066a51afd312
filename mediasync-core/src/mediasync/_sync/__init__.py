"""The sync engine: leases, the diff of a listing against the index, strategies, runs."""
