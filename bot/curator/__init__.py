"""What curators need from the running bot: declined questions and answer feedback, in SQLite."""
