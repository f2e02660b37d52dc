"""Probabilistic-chip target: target files, fit and placement, quantisation, emulator, schedule."""
