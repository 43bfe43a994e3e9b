"""`make bench`: figures measured in one run against the local stack, each with its own baseline."""
