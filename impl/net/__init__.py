"""The message-passing substrate: processes with handlers over a network with faults, written once
and both explored exhaustively and simulated (``impl/net/process.py``)."""
