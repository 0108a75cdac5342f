"""GLAD: worker ability times item easiness ("Generative model of Labels, Abilities, and Difficulties").

Model (Whitehill et al. 2009, K-class form of the paper). Worker j has ability alpha_j (any real: 0 is a random
guesser, negative is adversarial); item i has easiness beta_i = exp(b_i) > 0 (1/beta is its difficulty).
With z_i ~ Categorical(rho), worker j's label l on item i has

    P(l = z_i)        = sigma(alpha_j * beta_i)
    P(l = k), k ≠ z_i = (1 - sigma(alpha_j * beta_i)) / (K - 1)

Priors: alpha_j ~ N(1, 1), b_i = log beta_i ~ N(0, 1) (an average item, beta = 1). The class prior rho is
fixed and uniform as in the paper (``fit_class_prior=True`` estimates it instead, with pseudo-count 1; like
one-coin, GLAD's symmetric errors then let a biased crowd drag rho towards one class).

EM. E-step (x_r = alpha_j beta_i for label r = (i, j, l); note log sigma(x) - log(1 - sigma(x)) = x):

    log T_ik = log rho_k + sum_r ( -softplus(x_r) - log(K - 1) + [l_r = k] (x_r + log(K - 1)) ) - log Z_i

M-step: maximise the expected complete log-likelihood plus log priors

    Q = sum_r [ t_r log sigma(x_r) + (1 - t_r) log((1 - sigma(x_r)) / (K - 1)) ] + log p(alpha) + log p(b),
    t_r = T[i_r, l_r]   (the posterior that label r is right)

by block-coordinate Fisher scoring: for fixed beta, Q splits into one concave 1-D problem per worker, with

    dQ/d alpha_j = sum_{r by j} (t_r - sigma(x_r)) beta_i - (alpha_j - 1),
    Fisher information = sum_{r by j} sigma(x_r)(1 - sigma(x_r)) beta_i^2 + 1,

and likewise for each b_i given alpha (chain rule: dx/db_i = x). Each step is taken only if Q does not fall
(else halved), so every iteration is a generalised EM step and the MAP objective never decreases. Steps are
O(labels) ``bincount`` sums; ``max_newton`` alternations are made per M-step.

Gold items' posteriors are clamped in every E-step. Starts from majority-vote shares (an M-step first).
Results: ``skills_["alpha"]`` per worker, ``item_easiness_`` (beta) per item.

Reference: J. Whitehill, P. Ruvolo, T. Wu, J. Bergsma, J. Movellan, "Whose vote should count more: Optimal
integration of labels from labelers of unknown expertise", NeurIPS 2009.

Example:
    >>> from tutorloop.quality import aggregate
    >>> items = ["a", "a", "a", "b", "b", "b", "c", "c", "c", "d", "d", "d"]
    >>> workers = ["w1", "w2", "w3"] * 4
    >>> labels = ["x", "x", "y", "y", "y", "x", "x", "x", "x", "y", "y", "x"]
    >>> res = aggregate((items, workers, labels), method="glad")
    >>> res.labels_["label"].tolist()
    ['x', 'y', 'x', 'y']
    >>> bool(res.skills_.loc["w3", "alpha"] < res.skills_.loc["w1", "alpha"])
    True
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from tutorloop.quality._em import class_prior, e_step, has_converged, initial_posteriors, item_logits
from tutorloop.quality._encode import Encoded
from tutorloop.quality.result import AggregationResult, build_result

ALPHA_MEAN, LOG_BETA_MEAN = 1.0, 0.0  # prior means; both priors have variance 1
MAX_STEP = 2.0  # cap on one Fisher step, in units of the parameter


def _q(t: np.ndarray, x: np.ndarray, alpha: np.ndarray, log_beta: np.ndarray) -> float:
    """The M-step objective up to constants: sum_r t log sigma(x) + (1 - t) log(1 - sigma(x)) + log priors."""
    # t log sigma(x) + (1 - t) log(1 - sigma(x)) = t x - softplus(x), softplus via logaddexp for stability.
    fit = float((t * x - np.logaddexp(0.0, x)).sum())
    return fit - 0.5 * float(((alpha - ALPHA_MEAN) ** 2).sum() + ((log_beta - LOG_BETA_MEAN) ** 2).sum())


def _fisher_step(params: np.ndarray, group: np.ndarray, residual: np.ndarray, slope: np.ndarray,
                 weight: np.ndarray, prior_mean: float) -> np.ndarray:
    """One Fisher-scoring step for independent 1-D problems (one per value of ``group``), capped in size."""
    n = len(params)
    grad = np.bincount(group, weights=residual * slope, minlength=n) - (params - prior_mean)
    info = np.bincount(group, weights=weight * slope * slope, minlength=n) + 1.0
    return np.clip(grad / info, -MAX_STEP, MAX_STEP)


def _m_step(enc: Encoded, t: np.ndarray, alpha: np.ndarray, log_beta: np.ndarray,
            *, max_newton: int) -> tuple[np.ndarray, np.ndarray]:
    """Raise Q by alternating Fisher steps on alpha (per worker) and log beta (per item), with step halving."""
    x = alpha[enc.worker] * np.exp(log_beta)[enc.item]
    q = _q(t, x, alpha, log_beta)
    for _ in range(max_newton):
        for block in ("alpha", "log_beta"):
            sig = expit(x)
            if block == "alpha":
                step = _fisher_step(alpha, enc.worker, t - sig, np.exp(log_beta)[enc.item], sig * (1 - sig),
                                    ALPHA_MEAN)
            else:
                step = _fisher_step(log_beta, enc.item, t - sig, x, sig * (1 - sig), LOG_BETA_MEAN)
            for _halving in range(8):
                new_alpha = alpha + step if block == "alpha" else alpha
                new_log_beta = log_beta + step if block == "log_beta" else log_beta
                new_x = new_alpha[enc.worker] * np.exp(new_log_beta)[enc.item]
                new_q = _q(t, new_x, new_alpha, new_log_beta)
                if new_q >= q:
                    alpha, log_beta, x, q = new_alpha, new_log_beta, new_x, new_q
                    break
                step = step / 2
    return alpha, log_beta


def glad(enc: Encoded, *, seed: int = 0, max_iter: int = 100, tol: float = 1e-5, max_newton: int = 3,
         fit_class_prior: bool = False, class_pseudo_count: float = 1.0) -> AggregationResult:
    """Aggregate encoded labels with GLAD (see the module docstring); ``seed`` is unused (deterministic)."""
    k = enc.n_classes
    log_k1 = np.log(k - 1)
    posteriors = initial_posteriors(enc)
    log_prior = np.full(k, -np.log(k))
    alpha = np.full(enc.n_workers, ALPHA_MEAN)
    log_beta = np.full(enc.n_items, LOG_BETA_MEAN)
    objective, converged, iteration = -np.inf, False, 0
    for iteration in range(1, max_iter + 1):
        alpha, log_beta = _m_step(enc, posteriors[enc.item, enc.label], alpha, log_beta, max_newton=max_newton)
        if fit_class_prior:
            log_prior = np.log(class_prior(posteriors, pseudo_count=class_pseudo_count))
        x = alpha[enc.worker] * np.exp(log_beta)[enc.item]
        logits = item_logits(enc, log_prior=log_prior, base=-np.logaddexp(0.0, x) - log_k1, bonus=x + log_k1)
        posteriors, evidence = e_step(enc, logits)
        penalty = 0.5 * float(((alpha - ALPHA_MEAN) ** 2).sum() + ((log_beta - LOG_BETA_MEAN) ** 2).sum())
        previous, objective = objective, (evidence - penalty
                                          + fit_class_prior * class_pseudo_count * float(log_prior.sum()))
        if has_converged(previous, objective, tol=tol, n_labels=enc.n_labels):
            converged = True
            break
    return build_result(method="glad", enc=enc, posteriors=posteriors, iterations=iteration,
                        converged=converged, skills={"alpha": alpha}, log_likelihood=objective,
                        item_easiness=np.exp(log_beta), details={"max_newton": max_newton})
