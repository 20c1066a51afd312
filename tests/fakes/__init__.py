"""Loopback fakes of the remote services mediasync talks to (one package per service)."""
