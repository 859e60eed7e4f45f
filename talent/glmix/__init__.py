"""GLMix: a global logistic model plus per-recruiter and per-contract random effects.

``logit P(accept) = b . x + b_recruiter . z + b_contract . z`` where ``x`` = [standardized L1
features, L1 score, dynamic features, one-hot leaves of the L1 trees] (sparse) and ``z`` = the
dense part of ``x`` plus an intercept. :mod:`~talent.glmix.design` builds the matrices,
:mod:`~talent.glmix.fit` fits them by block coordinate descent, :mod:`~talent.glmix.model` holds,
scores, saves and loads a fitted model. Training (:mod:`talent.training.l2`) and the federator's
``l2`` stage share this code, so serving scores exactly what training fitted.
"""

from talent.glmix.design import DesignSpec
from talent.glmix.fit import GLMixConfig, fit_glmix
from talent.glmix.model import EntityEffects, GLMixModel, load_current_l2, load_l2

__all__ = ["DesignSpec", "EntityEffects", "GLMixConfig", "GLMixModel", "fit_glmix",
           "load_current_l2", "load_l2"]
