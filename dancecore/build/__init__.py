"""`dancecore build-model RECIPE.yaml`: the shipped model rebuilt step by step, resumably.

recipe.py (the YAML, validated), steps.py (what makes a step skip or rerun), pipeline.py (the steps in
order), and one module per job: render.py and noise.py (training audio), cnn.py, rhythm.py and beat.py (the
networks, reused or made; archive.py cuts and joins model files), scores.py (the validation songs through
the networks), select.py (fusion and "not sure" by the written rules), non_music.py (with sounds.py, the
tools both audio makers share) and card.py (the model card from the model file's metadata and
model_card.md).
"""
