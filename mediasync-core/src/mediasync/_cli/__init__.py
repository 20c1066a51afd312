"""The ``mediasync`` command line, built by ``build_cli`` from a loaded ``Plugins``."""
