"""Dawid-Skene: every worker has a full confusion matrix; EM estimates it together with the true labels.

Model. Item i has an unknown true class z_i ~ Categorical(rho). Worker j, shown an item of class k, answers
l with probability pi_j[k, l] (row k of worker j's confusion matrix), independently of other workers:

    P(z_i = k | labels) ∝ rho_k * prod_{(j, l) labelled i} pi_j[k, l]

EM alternates

    E-step   log T_ik = log rho_k + sum_{(j, l) on i} log pi_j[k, l] - log Z_i      (T = posteriors)
    M-step   pi_j[k, l] ∝ sum_{i labelled l by j} T_ik + a_kl,     rho_k ∝ sum_i T_ik + b

where ``a_kl`` and ``b`` are Dirichlet pseudo-counts (MAP estimation: the prior on a confusion row is
Dirichlet(a_k. + 1)). They keep every probability above 0, so no log is ever -inf, and they regularise
workers with few labels:

    a_kl = smoothing + s_k * pibar[k, l]

``pibar`` is the confusion matrix of all workers pooled together (recomputed every M-step). With
``pool_strength=s > 0`` a worker with few labels of class k borrows the crowd's row k, while a worker with
many labels is described by their own counts; ``pool_strength=None`` fits s_k per class by empirical Bayes
(:func:`fit_pool_strength`; this is what ``method="auto"`` runs). ``pool_strength=0`` (the default) is the
classic model with light smoothing (0.01 per cell).

Gold items have their T rows clamped to the known class in every E-step, which anchors the confusion
matrices. EM starts from majority-vote shares (an M-step first) and stops when the MAP objective

    sum_i log Z_i + sum_{j,k,l} a_kl log pi_j[k, l] + b sum_k log rho_k

moves by less than ``tol`` nats per label (default 1e-5, the same rule as crowd-kit's), or after ``max_iter``
iterations. On some data (the TREC relevance set) running classic Dawid-Skene much longer over-fits and loses
about 1 point of accuracy; the hierarchical prior of ``auto`` does not depend on stopping early.

Numerics: both steps are one sparse-times-dense product over a labels matrix A (items x (worker, label)
pairs, one 1 per label), so an iteration costs O(labels x classes) with no items x workers matrix:
E-step ``A @ log pi`` (rows (j, l), columns k); M-step ``A.T @ T``. Normalisation is in log space
(``logsumexp`` shifts each row by its maximum first).

Reference: A. P. Dawid and A. M. Skene, "Maximum likelihood estimation of observer error-rates using the EM
algorithm", Applied Statistics 28(1), 1979.

Example:
    >>> from tutorloop.quality import aggregate
    >>> items = ["a", "a", "a", "b", "b", "b", "c", "c", "c", "d", "d", "d"]
    >>> workers = ["w1", "w2", "spam"] * 4
    >>> labels = ["x", "x", "y", "y", "y", "y", "x", "x", "y", "y", "y", "y"]
    >>> res = aggregate((items, workers, labels), method="dawid_skene")
    >>> res.labels_["label"].tolist()
    ['x', 'y', 'x', 'y']
    >>> res.skills_["accuracy"].round(2).to_dict()
    {'spam': 0.5, 'w1': 1.0, 'w2': 1.0}
    >>> res.confusions_.shape  # workers x true class x given label
    (3, 2, 2)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import gammaln

from tutorloop.quality._em import class_prior, e_step, has_converged, initial_posteriors
from tutorloop.quality._encode import Encoded
from tutorloop.quality.result import AggregationResult, build_result

LOG_STRENGTH_BOUNDS = (np.log(1e-2), np.log(1e4))  # empirical-Bayes search range for the pool strength


def label_matrix(enc: Encoded) -> sp.csr_matrix:
    """The sparse labels matrix A: items x (workers * K), a 1 at (i, j*K + l) for each label, in CSR form."""
    n_cols = enc.n_workers * enc.n_classes
    index_dtype = np.int32 if max(enc.n_items, n_cols, enc.n_labels) < 2**31 - 1 else np.int64
    cols = (enc.worker * enc.n_classes + enc.label).astype(index_dtype)
    # COO -> CSR is a counting sort, O(labels).
    return sp.coo_matrix((np.ones(enc.n_labels), (enc.item.astype(index_dtype), cols)),
                         shape=(enc.n_items, n_cols)).tocsr()


def confusion_counts(matrix: sp.csr_matrix, posteriors: np.ndarray, enc: Encoded) -> np.ndarray:
    """``counts[j, k, l] = sum over items i that worker j labelled l of T_ik`` (workers x true x given).

    ``matrix.T`` is a free CSC view; its product walks the items in order and reads T row by row, scattering
    into the small (workers * K) x K result, which stays in cache: much faster than a CSR transpose that
    would read T in random order.
    """
    flat = np.asarray(matrix.T @ posteriors)  # rows (j, l), columns k
    return flat.reshape(enc.n_workers, enc.n_classes, enc.n_classes).transpose(0, 2, 1)


def fit_pool_strength(counts: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Empirical Bayes: per true class k, the Dirichlet concentration s_k that best explains the workers' rows.

    Treat each worker's row ``counts[j, k, :]`` as a Dirichlet-multinomial draw with mean ``mean[k]`` and
    concentration s_k, and maximise its marginal likelihood over log s_k (bounded 1-D search)::

        log p(n_jk | s m_k) = lgamma(s) - lgamma(s + n_jk.) + sum_l [lgamma(n_jkl + s m_kl) - lgamma(s m_kl)]

    Workers who agree with each other give a large s_k (lean on the crowd), diverse workers a small one.
    """
    k = counts.shape[1]
    strength = np.empty(k)
    for true_class in range(k):
        rows = counts[:, true_class, :]
        totals = rows.sum(axis=1)
        seen = totals > 1e-9  # a worker with no mass on this class adds exactly 0 to the likelihood
        rows, totals, m = rows[seen], totals[seen], mean[true_class]

        def negative_log_likelihood(log_s: float, rows=rows, totals=totals, m=m) -> float:
            s = np.exp(log_s)
            return -float((gammaln(s) - gammaln(s + totals)).sum()
                          + (gammaln(rows + s * m) - gammaln(s * m)).sum())

        best = minimize_scalar(negative_log_likelihood, bounds=LOG_STRENGTH_BOUNDS, method="bounded",
                               options={"xatol": 1e-3})
        strength[true_class] = np.exp(best.x)
    return strength


def confusion_pseudo_counts(counts: np.ndarray, *, smoothing: float,
                            pool_strength: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The Dirichlet pseudo-counts a_kl (see the module docstring) and the pool strength per class used."""
    k = counts.shape[1]
    alpha = np.full((k, k), smoothing)
    strength = np.zeros(k)
    if pool_strength is None or pool_strength > 0:
        pooled = counts.sum(axis=0) + 1.0 / k  # + 1/K keeps a row that nobody saw at uniform
        mean = pooled / pooled.sum(axis=1, keepdims=True)
        strength = fit_pool_strength(counts, mean) if pool_strength is None else np.full(k, pool_strength)
        alpha += strength[:, None] * mean
    return alpha, strength


def dawid_skene(enc: Encoded, *, max_iter: int = 100, tol: float = 1e-5, smoothing: float = 0.01,
                pool_strength: float | None = 0.0, class_pseudo_count: float = 1.0,
                method_name: str = "dawid_skene", details: dict | None = None) -> AggregationResult:
    """Aggregate encoded labels with Dawid-Skene EM (see the module docstring for the model and options)."""
    if smoothing <= 0 and not (pool_strength is None or pool_strength > 0):
        raise ValueError("dawid_skene needs smoothing > 0 or pool_strength > 0 (else log 0 can occur)")
    matrix = label_matrix(enc)
    n_workers, k = enc.n_workers, enc.n_classes
    posteriors = initial_posteriors(enc)
    objective, converged, iteration = -np.inf, False, 0
    for iteration in range(1, max_iter + 1):
        # M-step: MAP confusion rows and class prior from the current posteriors.
        counts = confusion_counts(matrix, posteriors, enc)
        alpha, strength = confusion_pseudo_counts(counts, smoothing=smoothing, pool_strength=pool_strength)
        counts += alpha
        log_confusion = np.log(counts) - np.log(counts.sum(axis=2, keepdims=True))
        log_prior = np.log(class_prior(posteriors, pseudo_count=class_pseudo_count))

        # E-step: logits = A @ log pi (rows (j, l), columns k) + log rho, normalised in log space.
        logits = np.asarray(matrix @ log_confusion.transpose(0, 2, 1).reshape(n_workers * k, k))
        logits += log_prior[None, :]
        posteriors, evidence = e_step(enc, logits)
        previous, objective = objective, (evidence
                                          + float((alpha * log_confusion).sum())
                                          + class_pseudo_count * float(log_prior.sum()))
        if has_converged(previous, objective, tol=tol, n_labels=enc.n_labels):
            converged = True
            break
    return build_result(
        method=method_name, enc=enc, posteriors=posteriors, iterations=iteration, converged=converged,
        confusions=np.exp(log_confusion), log_likelihood=objective,
        details={"smoothing": smoothing, "pool_strength": strength.tolist(), **(details or {})},
    )
