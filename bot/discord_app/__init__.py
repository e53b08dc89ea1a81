"""The Discord adapter: a thin layer that turns core Answers into embeds, views and slash commands."""
