"""The audit journal: who did what, recorded by every capability, read by admins."""
