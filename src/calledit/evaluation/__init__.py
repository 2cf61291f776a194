"""The eval: how good the creation agent's calls are, measured on a dataset (docs/eval.md)."""

from calledit.evaluation.dataset import Dataset, DateWindow, EvalCase, Expectation, load_dataset
from calledit.evaluation.runner import CaseResult, EvalReport, Summary, Verifier, run_case, run_eval, summarize

__all__ = [
    "CaseResult",
    "Dataset",
    "DateWindow",
    "EvalCase",
    "EvalReport",
    "Expectation",
    "Summary",
    "Verifier",
    "load_dataset",
    "run_case",
    "run_eval",
    "summarize",
]
