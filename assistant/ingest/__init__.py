"""Documents in: readers per file type, page furniture removal, sources, chunking into passages."""
