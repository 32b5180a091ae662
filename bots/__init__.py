"""Chat front ends for dancecore. `bots.discord_bot` is the Discord bot (`dancecore-bot`)."""
