"""The door: check-in, stations, the roster and board, the door API."""
