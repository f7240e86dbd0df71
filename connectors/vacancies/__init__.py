"""Live vacancy listings: JobPosting feeds, sync into the store, fast search."""
