"""Events: the event itself, its agenda, officials and programme, the home page."""
