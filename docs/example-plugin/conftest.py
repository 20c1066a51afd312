# The fixtures mediasync ships for plugin tests (mediasync_cli and friends).
pytest_plugins = ["mediasync.testing.fixtures"]
