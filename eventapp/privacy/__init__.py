"""Privacy: forgetting a person, the privacy export, backups and retention."""
