"""Distributions with known mutual information: samplers ``sample(n, random_state) -> (x, y)``
with the exact ``.mi`` (nats), invertible transforms that keep MI, and named tasks/suites
whose ids follow the Beyond Normal benchmark.

>>> from infolens.distributions import get_task
>>> task = get_task("multinormal-sparse-5-5-2-2.0")
>>> round(task.mi, 4)
1.0217
>>> x, y = task.sample(1000, random_state=0)
"""

from .additive import AdditiveUniform, additive_uniform_mi
from .arrays import ArraySampler
from .base import Independent, Sampler, Transformed
from .gaussian import MultiNormal, dense_correlation, gaussian_mi, rho_for_mi, sparse_correlation
from .images import LabelImages, bar_templates
from .mixture import GaussianMixtureLabel, mixture_label_mi
from .student import StudentT, student_mi_correction
from .suites import SUITES, list_suites, list_tasks, suite_task_ids, suite_tasks
from .tasks import Task, get_task
from . import transforms

__all__ = [
    "Sampler", "ArraySampler", "Transformed", "Independent", "MultiNormal", "StudentT", "AdditiveUniform",
    "GaussianMixtureLabel", "LabelImages", "Task", "get_task", "SUITES", "list_suites", "list_tasks",
    "suite_task_ids", "suite_tasks", "gaussian_mi", "dense_correlation", "sparse_correlation", "rho_for_mi",
    "student_mi_correction", "additive_uniform_mi", "mixture_label_mi", "bar_templates", "transforms",
]
