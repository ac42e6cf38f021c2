"""People: the directory of persons, categories, import and export."""
