"""PyTensor's ``tensor.linalg.solvers.linear_control``: Sylvester, Lyapunov and discrete
Riccati equations (arignote's `control`)."""

from arignote.tensor.linalg.control import (
    SolveContinuousLyapunov,
    SolveDiscreteARE,
    SolveDiscreteLyapunov,
    SolveSylvester,
    solve_continuous_lyapunov,
    solve_discrete_are,
    solve_discrete_lyapunov,
    solve_sylvester,
)

__all__ = ["SolveContinuousLyapunov", "SolveDiscreteARE", "SolveDiscreteLyapunov", "SolveSylvester",
           "solve_continuous_lyapunov", "solve_discrete_are", "solve_discrete_lyapunov",
           "solve_sylvester"]
