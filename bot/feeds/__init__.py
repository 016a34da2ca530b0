"""Getting articles out of feeds: fetch (I/O), parse and normalize (pure)."""
