"""The exceptions monoverify raises deliberately for a user's mistake.

Every refusal of bad input that monoverify *means* to raise derives from :class:`UserError`
(itself a :class:`ValueError`, so ``except ValueError`` keeps working). The ``monoverify``
command prints such an error as one line and exits with status 2; any other exception is an
internal error: a traceback and exit status 3.

>>> issubclass(HypothesisError, UserError) and issubclass(UserError, ValueError)
True
>>> try:
...     raise InvalidValue("K must be an integer >= 1, got K=0")
... except ValueError as exc:
...     print(exc)
K must be an integer >= 1, got K=0
"""

from __future__ import annotations

__all__ = ["UserError", "InvalidValue", "InvalidType", "UnknownName", "HypothesisError", "UnusedOption"]


class UserError(ValueError):
    """A mistake in the input: the message names the parameter, its value and what is valid."""


class InvalidValue(UserError):
    """A parameter with a value outside its valid range (or of the wrong type)."""


class InvalidType(InvalidValue, TypeError):
    """A value of the wrong kind of object (``None`` or a string where a method or operator is expected); also a
    ``TypeError``, for code that catches that."""


class UnknownName(UserError, KeyError):
    """An unknown name (theorem, method, figure, parameter); the message suggests close names."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0]) if self.args else ""


class HypothesisError(UserError):
    """Parameters outside a theorem's hypotheses (pass ``explore=True`` / ``--explore`` to run anyway)."""


class UnusedOption(UserError):
    """A command-line option that the chosen subcommand or theorem does not use."""
