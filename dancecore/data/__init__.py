"""Training-data generators for dancecore (see `dancecore.data.synth`)."""
