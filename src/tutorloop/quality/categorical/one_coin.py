"""One-coin Dawid-Skene: one accuracy per worker, mistakes spread evenly over the other classes.

Model. z_i ~ Categorical(rho); worker j answers the true class with probability a_j and each of the other
K - 1 classes with probability (1 - a_j) / (K - 1):

    pi_j[k, l] = a_j                  if l = k
               = (1 - a_j) / (K - 1)  otherwise

This is Dawid-Skene with each worker's K(K - 1) free confusion parameters tied into one, so it needs far
fewer labels per worker, at the price of ignoring class-specific confusions and biases.

The class prior rho is uniform by default (``fit_class_prior=False``): a worker who over-uses one class
cannot be described by a single coin, so with a fitted rho EM explains that bias as prevalence instead, which
feeds on itself (on the TREC relevance data it ends with 87 % of the items in one class and 26 % accuracy).
``fit_class_prior=True`` estimates rho ∝ sum_i T_ik + b as Dawid-Skene does.

EM:

    E-step   log T_ik = log rho_k + sum_{(j, l) on i} ( log((1 - a_j)/(K - 1)) + [l = k] * w_j ) - log Z_i
             with  w_j = log a_j - log((1 - a_j)/(K - 1))      (the weight of a vote by j)
    M-step   a_j = (sum_{(i, l) by j} T_il + c_right) / (n_j + c_right + c_wrong)
             (rho_k ∝ sum_i T_ik + b only with fit_class_prior=True)

``c_right``, ``c_wrong`` are Beta pseudo-counts (MAP, default 2 and 1: a weak belief that workers do better than
a coin flip, which also keeps log a_j and log(1 - a_j) finite). Gold items' posteriors are clamped to their class
in every E-step. Starts from majority-vote shares; stops when the MAP objective moves by less than ``tol`` nats
per label. The E-step is one ``bincount`` over labels: O(labels) per iteration.

Reference: the "one-coin" model of Dawid & Skene (1979) as studied e.g. in Zhang, Chen, Zhou & Jordan,
"Spectral methods meet EM: a provably optimal algorithm for crowdsourcing", NeurIPS 2014; also
Karger, Oh & Shah, NeurIPS 2011.

Example:
    >>> from tutorloop.quality import aggregate
    >>> items = ["a", "a", "a", "b", "b", "b", "c", "c", "c"]
    >>> workers = ["w1", "w2", "w3"] * 3
    >>> labels = [0, 0, 1, 1, 1, 1, 2, 2, 0]
    >>> res = aggregate((items, workers, labels), method="one_coin")
    >>> res.labels_["label"].tolist()
    [0, 1, 2]
    >>> bool(res.skills_.loc["w3", "coin"] < res.skills_.loc["w1", "coin"])
    True
"""

from __future__ import annotations

import numpy as np

from tutorloop.quality._em import class_prior, e_step, has_converged, initial_posteriors, item_logits
from tutorloop.quality._encode import Encoded
from tutorloop.quality.result import AggregationResult, build_result


def fit_coins(enc: Encoded, posteriors: np.ndarray, *, right: float, wrong: float) -> np.ndarray:
    """M-step: each worker's MAP accuracy given the posteriors, clipped away from 0 and 1."""
    n_labels = np.bincount(enc.worker, minlength=enc.n_workers)
    hits = np.bincount(enc.worker, weights=posteriors[enc.item, enc.label], minlength=enc.n_workers)
    coin = (hits + right) / (n_labels + right + wrong)
    return np.clip(coin, 1e-6, 1.0 - 1e-6)


def one_coin(enc: Encoded, *, max_iter: int = 100, tol: float = 1e-5, right_pseudo_count: float = 2.0,
             wrong_pseudo_count: float = 1.0, fit_class_prior: bool = False,
             class_pseudo_count: float = 1.0) -> AggregationResult:
    """Aggregate encoded labels with one-coin Dawid-Skene EM (see the module docstring)."""
    k = enc.n_classes
    posteriors = initial_posteriors(enc)
    log_prior = np.full(k, -np.log(k))
    objective, converged, iteration = -np.inf, False, 0
    for iteration in range(1, max_iter + 1):
        coin = fit_coins(enc, posteriors, right=right_pseudo_count, wrong=wrong_pseudo_count)
        if fit_class_prior:
            log_prior = np.log(class_prior(posteriors, pseudo_count=class_pseudo_count))
        log_right, log_wrong = np.log(coin), np.log1p(-coin) - np.log(k - 1)
        logits = item_logits(enc, log_prior=log_prior, base=log_wrong[enc.worker],
                             bonus=(log_right - log_wrong)[enc.worker])
        posteriors, evidence = e_step(enc, logits)
        coin_prior = (right_pseudo_count * np.log(coin) + wrong_pseudo_count * np.log1p(-coin)).sum()
        previous, objective = objective, (evidence + float(coin_prior)
                                          + fit_class_prior * class_pseudo_count * float(log_prior.sum()))
        if has_converged(previous, objective, tol=tol, n_labels=enc.n_labels):
            converged = True
            break
    coin = fit_coins(enc, posteriors, right=right_pseudo_count, wrong=wrong_pseudo_count)
    confusions = np.empty((enc.n_workers, k, k))
    confusions[:] = ((1.0 - coin) / (k - 1))[:, None, None]
    diagonal = np.arange(k)
    confusions[:, diagonal, diagonal] = coin[:, None]
    return build_result(method="one_coin", enc=enc, posteriors=posteriors, iterations=iteration,
                        converged=converged, confusions=confusions, skills={"coin": coin},
                        log_likelihood=objective)
