"""Builds the one compiled kernel (the 2-D KSG neighbour search of sliced MI); all metadata
lives in pyproject.toml. The extension is optional: without a C compiler the install still
succeeds and infolens uses its scipy KD-tree path (same numbers, ~4x slower there)."""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "unix":  # gcc/clang: optimise, and no fused multiply-add
            for ext in self.extensions:  # (the kernel must round exactly as numpy does)
                ext.extra_compile_args += ["-O3", "-ffp-contract=off"]
        super().build_extensions()


setup(
    ext_modules=[Extension("infolens.estimators._ksg2d", ["src/infolens/estimators/_ksg2d.c"], optional=True)],
    cmdclass={"build_ext": BuildExt},
)
