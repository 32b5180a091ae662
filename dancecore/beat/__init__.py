"""Beat and downbeat network (a port of BeatNet, model 2) and the rhythm facts decoded from it.

Audio (mono, 22050 Hz) -> `features.beat_features` / `features.FeatureStream` (272 values per frame,
50 frames/s) -> `runtime.BeatNetwork` (ONNX Runtime; a whole song in one run, or `.stream()` for live
audio, keeping the LSTM state between calls) -> activations (frames, 3) = softmax over
(beat, downbeat, no beat) -> `decode.decode` -> `decode.RhythmFacts` (tempo, meter, P(3), beats,
downbeats). Nothing on that path imports torch or onnx.

In the model file (.dcmodel) the network is three things, made by `bundle.beat_network_files(path to
BeatNet's model_2_weights.pt)` at build time (torch and onnx needed there only):

- ``beat.onnx``: the graph (`onnx_graph.beatnet_onnx`): inputs ``features`` (batch, frames, 272),
  ``h0`` and ``c0`` (2, batch, 150); outputs ``activations`` (batch, frames, 3), ``hn`` and ``cn``;
- ``weights/beat.npz``: the same parameters under BeatNet's state-dict names (conv1, linear0, lstm,
  linear), from which `torch_net.crnn_from_weights` rebuilds the PyTorch module;
- its ``networks`` entry in model.json: `spec.network_settings()` (feature recipe, graph inputs and
  outputs, activation columns), checked on load with `spec.check_settings`; and `spec.ATTRIBUTION`
  in ``attributions``: the weights are by Heydari, Cwitkowitz and Duan (ISMIR 2021), CC BY 4.0,
  converted to ONNX with the weights unchanged (see NOTICE).

Fold: BeatNet ships three folds; model 2 is the one trained with the Ballroom dataset held out (the
fold measured in issue 16). Models 1 and 3 saw Ballroom recordings in training and might suit ballroom
music better, but choosing among them on our own labelled songs would be selection on the evaluation
set; a comparison belongs in a pre-registered check on held-back songs.
"""
