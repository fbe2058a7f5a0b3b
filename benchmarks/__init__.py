"""Synthetic city-scale data and the benchmark suite (``make bench``)."""
