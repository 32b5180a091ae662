"""Live adapter: hears what is playing and announces the dance over OSC, MIDI and the console.

Flow: a source (adapters.sources) writes audio into a bounded ring buffer (adapters.ring); the
engine (adapters.engine) turns it into streaming log-mel windows scored by the dancecore model
every hop; the tracker (dancecore.stream.tracker) turns window probabilities into dance and silence
events; announcers (adapters.announcers) send them out. `dancecore live` wires it together
from configs/adapter.yaml (adapters.config) and command-line flags.
"""
