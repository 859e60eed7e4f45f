"""The fairness audit of the product's own rankings (``talent audit``, and the evaluation's
fairness section).

- :mod:`data`: the audit's one door to the protected store (group codes of members); no other
  module of the audit imports it.
- :mod:`logs`: from the logs, per period and per contract, impression and InMail rates by sex,
  their impact ratios (NYC Local Law 144: each category's selection rate over the most selected
  one's) and how representative the shown top 25 was.
- :mod:`split`: the same on the evaluation split, before and after representative re-ranking
  (each algorithm), with the cost in InMail-accept precision (logged replay).
- :mod:`report` and :mod:`plots`: the report folder; :mod:`run`: the whole audit of a world.
"""
