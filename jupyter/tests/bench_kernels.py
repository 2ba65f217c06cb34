"""Start-up and round-trip times of Jupyter kernels, measured alike.

    JUPYTER_PATH=<prefix>/share/jupyter python jupyter/tests/bench_kernels.py tinytorch python3

For each kernel name: from KernelManager.start_kernel() to the first
kernel_info_reply (median of 5 starts), then the median round trip of
executing `1 + 1` (execute_request to its idle status, 50 runs, after 5
warm-up runs). Not part of the test suite; the numbers go in reports.
"""

import statistics
import sys
import time

from jupyter_client.manager import KernelManager


def startup(name):
    km = KernelManager(kernel_name=name)
    t = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.kernel_info()
    kc.get_shell_msg(timeout=30)
    dt = time.perf_counter() - t
    return km, kc, dt


def round_trip(kc):
    t = time.perf_counter()
    msg_id = kc.execute("1 + 1")
    while True:
        m = kc.get_iopub_msg(timeout=10)
        if (
            m["parent_header"].get("msg_id") == msg_id
            and m["msg_type"] == "status"
            and m["content"]["execution_state"] == "idle"
        ):
            break
    kc.get_shell_msg(timeout=10)
    return time.perf_counter() - t


def main(names):
    for name in names:
        starts = []
        for _ in range(5):
            km, kc, dt = startup(name)
            starts.append(dt)
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        km, kc, _ = startup(name)
        kc.wait_for_ready(timeout=30)
        for _ in range(5):
            round_trip(kc)
        rts = [round_trip(kc) for _ in range(50)]
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        print(
            f"{name:>10}: start-up to kernel_info_reply {statistics.median(starts) * 1e3:7.1f} ms"
            f" (median of 5), `1 + 1` round trip {statistics.median(rts) * 1e3:6.2f} ms (median of 50)"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["tinytorch", "python3"])
