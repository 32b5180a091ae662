"""Mean MSD_musicnn penultimate features (200) per recording of a manifest, over 3 s patches without overlap.

Runs outside the project, in a scratch environment (TensorFlow is not a dancecore dependency):
    python3 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.15.1 "numpy<2" librosa soundfile scikit-learn
    /tmp/tfenv/bin/pip install --no-deps musicnn==0.1.0   # its pins (numpy<1.17) predate Python 3.11
Usage: /tmp/tfenv/bin/python embed.py MANIFEST ROOT OUT.npz CAP_S
    (the three runs: /tmp/mnn_train60.csv runs 30 -> /tmp/mnn_train60.npz; ../shared/data/songs/labels.csv songs 180 ->
    /tmp/mnn_songs.npz; runs/synth_heldout20.csv runs 30 -> /tmp/mnn_heldout.npz)
"""
import os, sys, csv, warnings
warnings.filterwarnings("ignore")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, librosa, tensorflow as tf
from musicnn import models, configuration as config
tf.compat.v1.disable_eager_execution()
manifest, root, out, cap = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
rows = list(csv.DictReader(open(manifest)))
n_frames = librosa.time_to_frames(3, sr=config.SR, n_fft=config.FFT_SIZE, hop_length=config.FFT_HOP) + 1
tf.compat.v1.reset_default_graph()
with tf.name_scope("model"):
    x = tf.compat.v1.placeholder(tf.float32, [None, n_frames, config.N_MELS])
    is_training = tf.compat.v1.placeholder(tf.bool)
    y, *_, penultimate = models.define_model(x, is_training, "MSD_musicnn", len(config.MSD_LABELS))
sess = tf.compat.v1.Session(config=tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1))
sess.run(tf.compat.v1.global_variables_initializer())
tf.compat.v1.train.Saver().restore(sess, os.path.dirname(models.__file__) + "/MSD_musicnn/")
embs, paths, dances = [], [], []
for i, r in enumerate(rows):
    path = os.path.join(root, r["path"])
    audio, sr = librosa.load(path, sr=config.SR, duration=cap)
    rep = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=config.FFT_HOP, n_fft=config.FFT_SIZE, n_mels=config.N_MELS).T
    rep = np.log10(10000 * rep.astype(np.float16) + 1)
    starts = range(0, rep.shape[0] - n_frames + 1, n_frames)
    batch = np.stack([rep[s:s + n_frames] for s in starts]).astype(np.float32)
    pen = np.concatenate([sess.run(penultimate, {x: batch[j:j + 64], is_training: False}) for j in range(0, len(batch), 64)])
    embs.append(pen.mean(0)); paths.append(r["path"]); dances.append(r["dance"])
    if i % 50 == 0:
        print(i, len(rows), flush=True)
np.savez(out, emb=np.array(embs), paths=np.array(paths), dances=np.array(dances))
print("wrote", out, len(embs))
