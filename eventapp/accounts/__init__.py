"""Accounts: users, sign-in, sessions and role checks, the admin pages."""
