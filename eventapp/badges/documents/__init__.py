"""The printed matter of badges: plain data in, PDF bytes out."""
