"""The compiled program: dense arrays and the on-disk artifact."""
