"""Stories told apart from copies: MinHash sketches and grouping. Pure."""
