"""Audio as a stream: a scored window every hop, where songs begin and end, and when each song's dance
is called. `dancecore live` feeds it from a device; `dancecore classify --sections` from a file."""
