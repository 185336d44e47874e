"""pytest plugin (entry point ``pytest11``): property-test your own methods against registered theorems.

Installed with monoverify, it is loaded by every pytest run. It adds

* hypothesis settings profiles ``monoverify-ci`` (``derandomize=True, deadline=None,
  max_examples=25, print_blob=True, database=None``) and ``monoverify-thorough``
  (``max_examples=500, deadline=None``), selected with ``--monoverify-profile ci`` (or
  ``thorough``, or any registered profile name); without the option the user's profile is kept.
  The names carry a prefix so that hypothesis' own built-in ``ci`` profile is never replaced;
* markers ``theorem("<id>")`` (the theorem a test checks) and ``slow_theorem``;
* the fixture ``theorem_checker``: :func:`assert_theorem` bound to the test's ``theorem`` marker
  (stateless, so the profiles suppress hypothesis' ``function_scoped_fixture`` health check; under
  another profile add ``suppress_health_check=[HealthCheck.function_scoped_fixture]``);
* :func:`assert_theorem`: run a method (any :class:`~monoverify.solvers.Method`, including your
  own ``init``/``step`` implementation) on an operator, measure the theorem's metric and compare
  it with the theorem's bound at the operator's exact constants; a violation raises an
  ``AssertionError`` with a readable report.

Importing this module is cheap: NumPy, SymPy, hypothesis and the solvers are imported inside the
functions that need them, and a missing hypothesis never breaks pytest's start.

Example (a downstream test file)::

    import pytest
    from hypothesis import given, settings
    from monoverify.theory.plugin import assert_theorem
    from monoverify.theory.strategies import theorem_cases

    @pytest.mark.theorem("eg+.best_iterate")
    @settings(settings.get_profile("monoverify-ci"), max_examples=10)
    @given(theorem_cases("eg+.best_iterate", max_dim=4))
    def test_my_eg_plus(theorem_checker, case):
        p = case.params
        theorem_checker(method=MyEGPlus(p["gamma"], p["alpha"]), operator=case.operator,
                        z0=case.z0, K=50, params=p)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # loaded lazily at run time (module __getattr__ below)
    from .judge.assertion import TheoremReport, assert_theorem  # noqa: F401

__all__ = ["assert_theorem", "TheoremReport", "PROFILES", "theorem_checker"]

#: ``--monoverify-profile`` short names -> hypothesis profile names
PROFILES = {"ci": "monoverify-ci", "thorough": "monoverify-thorough"}


def _register_profiles() -> bool:
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # hypothesis is a test extra: never break pytest's start without it
        return False
    # the theorem_checker fixture is function-scoped but stateless: safe to share across examples
    quiet = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
    settings.register_profile("monoverify-ci", derandomize=True, deadline=None, max_examples=25, print_blob=True,
                              database=None, suppress_health_check=quiet)
    settings.register_profile("monoverify-thorough", deadline=None, max_examples=500, suppress_health_check=quiet)
    return True


_HAVE_HYPOTHESIS = _register_profiles()


# ------------------------------------------------------------------------------------------
# pytest hooks
# ------------------------------------------------------------------------------------------
def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("monoverify", "monoverify theorem property tests")
    group.addoption("--monoverify-profile", action="store", default=None, metavar="NAME",
                    help="hypothesis profile for the run: 'ci' (monoverify-ci: derandomized, 25 examples), "
                         "'thorough' (monoverify-thorough: 500 examples) or any registered profile name; "
                         "default: keep the active profile")


@pytest.hookimpl(trylast=True)  # after hypothesis' own plugin has applied --hypothesis-profile
def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "theorem(id): the registered monoverify theorem this test checks "
                                       "(used by the theorem_checker fixture)")
    config.addinivalue_line("markers", "slow_theorem: a long theorem property test (deselect with "
                                       "-m 'not slow_theorem')")
    name = config.getoption("monoverify_profile", default=None)
    if name:
        if not _HAVE_HYPOTHESIS:
            raise pytest.UsageError("--monoverify-profile needs hypothesis (pip install hypothesis)")
        from hypothesis import settings
        from hypothesis.errors import InvalidArgument

        try:
            settings.load_profile(PROFILES.get(name, name))
        except InvalidArgument as exc:
            raise pytest.UsageError(f"--monoverify-profile: {exc}; monoverify registers {sorted(PROFILES)} "
                                    f"({', '.join(PROFILES.values())})") from None


def pytest_report_header(config: Any) -> str | None:
    name = config.getoption("monoverify_profile", default=None)
    if name:
        return f"monoverify: hypothesis profile {PROFILES.get(name, name)!r}"
    return None


class _Checker:
    """``theorem_checker(method=..., operator=..., ...)``: :func:`assert_theorem` with the marker's theorem."""

    def __init__(self, theorem: Any):
        self.theorem = theorem

    def __call__(self, theorem: Any = None, **kwargs: Any) -> "TheoremReport":
        __tracebackhide__ = True  # pytest: show the report, not this frame
        th = theorem if theorem is not None else self.theorem
        if th is None:
            from monoverify.errors import InvalidValue

            raise InvalidValue("theorem_checker needs a theorem: mark the test with "
                               "@pytest.mark.theorem('<id>') or pass the id as first argument")
        if theorem is not None:
            th = marker_theorem((theorem,), {})
        from .judge.assertion import assert_theorem

        return assert_theorem(th, **kwargs)

    def __repr__(self) -> str:
        return f"theorem_checker(theorem={getattr(self.theorem, 'id', self.theorem)!r})"


@pytest.fixture
def theorem_checker(request: Any) -> _Checker:
    """:func:`assert_theorem` bound to the theorem of ``@pytest.mark.theorem("<id>")`` (if any)."""
    marker = request.node.get_closest_marker("theorem")
    return _Checker(None if marker is None else marker_theorem(marker.args, marker.kwargs))


def marker_theorem(args: tuple, kwargs: dict) -> Any:
    """The theorem of ``@pytest.mark.theorem(...)``: exactly one positional argument, a registered id (str) or a
    :class:`~monoverify.theory.theorems.Theorem`; anything else is an ``InvalidValue`` naming what was given."""
    from monoverify.validate import invalid, show

    from monoverify.errors import InvalidValue

    from .theorems import Theorem, get

    use = "@pytest.mark.theorem('<id>'), e.g. @pytest.mark.theorem('eg+.best_iterate')"
    if kwargs:
        given = ", ".join(f"{k}={show(v)}" for k, v in kwargs.items())
        raise InvalidValue(f"@pytest.mark.theorem takes the theorem id as its one positional argument, got the "
                           f"keyword argument(s) {given}; write {use}")
    if len(args) != 1:
        raise InvalidValue(f"@pytest.mark.theorem takes exactly one theorem id, got {len(args)} argument(s) "
                           f"{show(args)}; write {use}")
    th = args[0]
    if isinstance(th, Theorem):
        return th
    if not isinstance(th, str):
        raise invalid("@pytest.mark.theorem id", th, "a registered theorem id (str) or a Theorem object")
    return get(th)


def __getattr__(name: str) -> Any:
    """``assert_theorem`` and ``TheoremReport`` load on first use (importing the plugin stays cheap)."""
    if name in ("assert_theorem", "TheoremReport"):
        from .judge import assertion

        return getattr(assertion, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

