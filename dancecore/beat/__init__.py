"""Beat and downbeat network (a port of BeatNet) and the rhythm facts decoded from it."""
