"""The multi-device example runs on a CPU made to show 8 devices and matches one device."""

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "jax_multi_device.py"


def test_the_example_runs_data_parallel_on_8_devices():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "devices: 8 ((8000, 10) rows of X each)" in result.stdout
    assert "partial sums combined across devices by XLA: True" in result.stdout
    worst = float(result.stdout.rsplit("devices: ", 1)[1])
    assert worst < 1e-10
