"""Invitations and registration: inviting, answering, the public pages and letters."""
