"""Badges and name plates."""
