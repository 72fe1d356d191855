"""The generator service.

Importing it plugs the offline sentence model (an adapter) into the brief readers' port, so every way in
(the service, `python -m services.generator`, tests, benchmarks) reads briefs with the same model; the model
itself loads on the first brief read.
"""

from services.generator.adapters.sentence_model import offline_sentence_model
from services.generator.domain import sentence_model

sentence_model.provide(offline_sentence_model)
