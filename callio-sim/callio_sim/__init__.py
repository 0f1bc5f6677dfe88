"""Callio API simulator: a faithful, deterministic, fault-injecting stand-in for clientapi.phonenet.io."""

__version__ = "0.1.0"
