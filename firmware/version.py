"""The version of this agent's bundle: BootNotification's firmwareVersion. tools/bundle.py
--version writes another into the bundle it builds (an update to test, a release)."""
VERSION = "0.3.0"
