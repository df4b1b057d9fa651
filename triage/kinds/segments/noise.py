"""Is a gap between an observed and an expected metric beyond sampling noise?

Three tests, each chosen for what is known about the expectation:

* a proportion against a **known** expectation (an offline figure taken as exact): the exact
  binomial test (``scipy.stats.binomtest``, two-sided), with the Wilson score interval of the
  observed proportion, shifted by the expectation, as the interval of observed − expected;
* a proportion against a **measured** expectation (shadow or control traffic with its own n): the
  two-sample score test (pooled z, no continuity correction) with Newcombe's hybrid Wilson score
  interval for the difference (Newcombe 1998, method 10);
* any other metric (AUC, a mean, RMSE): Welch's test on typed standard errors, which must be
  above 0. With both sample sizes the t distribution uses Welch–Satterthwaite degrees of
  freedom; without them it is the normal approximation (stated in ``method``).

A proportion typed as a rate is turned into successes as round(rate × n). Significance is
p < 0.05; the 95% interval is given beside it. For the exact test the two come from different
constructions and can disagree right at the boundary; the verdict follows the p-value.

Every sentence respects the metric's direction: a loss that grew is "worse", never "below".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from triage.tabular import InputError

ALPHA = 0.05
Z95 = 1.959963984540054

METHOD_EXACT = "exact binomial test (Wilson interval)"
METHOD_SCORE = "two-sample score test (Newcombe interval)"
METHOD_WELCH = "Welch test on typed standard errors"


class NoiseError(InputError):
    """Input a noise test cannot use; the message says what and how to fix it."""


@dataclass(frozen=True)
class NoiseResult:
    observed: float
    expected: float
    gap: float  # observed − expected
    p_value: float
    interval: tuple[float, float]  # 95%, of observed − expected
    method: str
    statistic: float | None = None  # score z or Welch t; None when undefined (zero variance)
    standard_error: float | None = None  # of the gap, as the test uses it (under the null for
    # the score tests)
    df: float | None = None  # Welch–Satterthwaite degrees of freedom; None: normal

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA

    def as_json(self) -> dict:
        return {"observed": self.observed, "expected": self.expected, "gap": self.gap,
                "p_value": self.p_value, "significant": self.significant,
                "interval": list(self.interval), "method": self.method,
                "statistic": self.statistic, "standard_error": self.standard_error,
                "df": self.df}


# --------------------------------------------------------------------------------------------
# Intervals


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion: sound at 0/n and n/n, where Wald collapses."""
    if n <= 0:
        raise NoiseError("a proportion needs n ≥ 1")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(x1: float, n1: float, x0: float, n0: float, z: float = Z95
                      ) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 − p0 from the two Wilson intervals.

    Newcombe (1998), method 10: 56/70 − 48/80 = 0.2000, interval 0.0524 to 0.3339.
    """
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson_interval(x1, n1, z)
    l0, u0 = wilson_interval(x0, n0, z)
    d = p1 - p0
    return (d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2))


# --------------------------------------------------------------------------------------------
# Tests


def successes_from(rate: float, n: float, label: str) -> int:
    """Successes behind a rate typed with its n: round(rate × n), checked."""
    if not math.isfinite(n) or n < 1:
        raise NoiseError(f"{label}: n is {n:g}; a proportion needs a sample size of at least 1")
    if not 0 <= rate <= 1:
        raise NoiseError(f"{label}: {rate:g} is not a proportion between 0 and 1 (type 4.5% as "
                         "0.045), or use --se for a metric that is not a proportion")
    return int(round(rate * n))


def vs_known(successes: int, n: int, expected: float) -> NoiseResult:
    """Observed successes/n against an expectation taken as exact: exact binomial test."""
    _check_count(successes, n, "observed")
    if not 0 <= expected <= 1:
        raise NoiseError(f"expected: {expected:g} is not a proportion between 0 and 1")
    p = successes / n
    p_value = float(stats.binomtest(successes, n, expected).pvalue)
    low, high = wilson_interval(successes, n)
    null_se = math.sqrt(expected * (1 - expected) / n)
    statistic = (p - expected) / null_se if null_se > 0 else None
    return NoiseResult(p, expected, p - expected, min(p_value, 1.0),
                       (low - expected, high - expected), METHOD_EXACT, statistic,
                       null_se if null_se > 0 else None)


def vs_measured(successes: int, n: int, expected_successes: int, expected_n: int) -> NoiseResult:
    """Observed x1/n1 against a measured x0/n0 (shadow, control): score test, Newcombe interval.

    The score test's z uses the pooled proportion under the null, p̂ = (x1 + x0)/(n1 + n0); it
    is the square root of Pearson's chi-square on the 2×2 table without continuity correction.
    Both samples at 0 (or both at 1) have no variance: the gap is 0 and p = 1.
    """
    _check_count(successes, n, "observed")
    _check_count(expected_successes, expected_n, "expected")
    p1, p0 = successes / n, expected_successes / expected_n
    pooled = (successes + expected_successes) / (n + expected_n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / expected_n))
    if se > 0:
        z = (p1 - p0) / se
        p_value = float(2 * stats.norm.sf(abs(z)))
    else:
        z, p_value = None, 1.0
    return NoiseResult(p1, p0, p1 - p0, p_value,
                       newcombe_interval(successes, n, expected_successes, expected_n),
                       METHOD_SCORE, z, se if se > 0 else None)


def welch(observed: float, se_observed: float | None, expected: float,
          se_expected: float | None, n_observed: float | None = None,
          n_expected: float | None = None) -> NoiseResult:
    """Any metric with typed standard errors: Welch's test on the difference.

    An expectation without a standard error is taken as exact (a one-sample test). With both
    n, Welch–Satterthwaite degrees of freedom and the t distribution; otherwise the normal.
    """
    for label, se in (("observed", se_observed), ("expected", se_expected)):
        if se is not None and not (math.isfinite(se) and se > 0):
            raise NoiseError(f"the {label} standard error is {se:g}: a standard error must be "
                             "above 0 (a metric measured on a sample always has some noise); "
                             "type the one the dashboard or bootstrap reports, or leave it out "
                             "if that side is exact")
    if se_observed is None and se_expected is None:
        raise NoiseError("no standard error typed: a metric that is not a proportion needs the "
                         "standard error of the observed value, the expected one, or both")
    variances = [se * se for se in (se_observed, se_expected) if se is not None]
    se = math.sqrt(sum(variances))
    gap = observed - expected
    statistic = gap / se
    df = None
    sizes = {"observed": (se_observed, n_observed), "expected": (se_expected, n_expected)}
    used = [(s, n) for s, n in sizes.values() if s is not None]
    if all(n is not None and n > 1 for _, n in used):
        df = sum(s * s for s, _ in used) ** 2 / sum(s ** 4 / (n - 1) for s, n in used)
    if df is None:
        p_value = float(2 * stats.norm.sf(abs(statistic)))
        half = Z95 * se
        method = METHOD_WELCH + " (normal approximation: no n for the degrees of freedom)"
    else:
        p_value = float(2 * stats.t.sf(abs(statistic), df))
        half = float(stats.t.ppf(0.975, df)) * se
        method = METHOD_WELCH + f" (Welch–Satterthwaite df = {df:.1f})"
    return NoiseResult(observed, expected, gap, p_value, (gap - half, gap + half), method,
                       statistic, se, df)


def _check_count(successes: int, n: int, label: str) -> None:
    if n < 1:
        raise NoiseError(f"{label}: n is {n}; a proportion needs a sample size of at least 1")
    if not 0 <= successes <= n:
        raise NoiseError(f"{label}: {successes} successes out of {n} is not possible; "
                         "successes lie between 0 and n")


def proportion_test(observed: float, n_observed: float, expected: float,
                    n_expected: float | None = None) -> NoiseResult:
    """Rates typed with their n: exact test against a known expectation, score test against a
    measured one."""
    x1 = successes_from(observed, n_observed, "observed")
    n1 = int(round(n_observed))
    if n_expected is None:
        if not 0 <= expected <= 1:
            raise NoiseError(f"expected: {expected:g} is not a proportion between 0 and 1")
        return vs_known(x1, n1, expected)
    x0 = successes_from(expected, n_expected, "expected")
    return vs_measured(x1, n1, x0, int(round(n_expected)))


# --------------------------------------------------------------------------------------------
# Words that respect the metric's direction


def relative_words(observed: float, expected: float, higher_is_better: bool = True) -> str:
    """'20.0% worse than expected (higher)' for an RMSE 20% up; 'at the expected level' at 0.

    The percentage is |observed − expected| / |expected|; the parenthesis says which way the
    number moved, so a loss that grew never reads as "below".
    """
    gap = observed - expected
    if gap == 0:
        return "at the expected level"
    moved = "higher" if gap > 0 else "lower"
    worse = (gap < 0) == higher_is_better
    quality = "worse" if worse else "better"
    if expected:
        return f"{abs(gap) / abs(expected):.1%} {quality} than expected ({moved})"
    return f"{quality} than expected ({moved})"


def verdict_sentence(name: str, result: NoiseResult, higher_is_better: bool = True) -> str:
    """One sentence for a meeting, true for n = 1 as for n = 1,000,000."""
    low, high = result.interval
    judged = ("beyond sampling noise" if result.significant else
              "within sampling noise: it may not be real")
    return (f"{name} is {relative_words(result.observed, result.expected, higher_is_better)}: "
            f"observed − expected = {result.gap:+.4g}, 95% interval {low:+.4g} to {high:+.4g}, "
            f"p = {result.p_value:.2g} by the {result.method}; {judged}.")
