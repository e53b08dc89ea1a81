"""The answering core: knowledge base, index, matcher and answers. No discord.py here, and no I/O
beyond reading the knowledge directory, so the CLI starts fast and plain unit tests cover it."""
