"""The community conformance suite (jupyter_kernel_test) against tinytorch.

Run by jupyter/tests/python.rs with JUPYTER_PATH pointing at a freshly
installed kernelspec; by hand:
    JUPYTER_PATH=<prefix>/share/jupyter python -m unittest -v kernel_conformance
"""

import time
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel


class TinytorchKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "tinytorch"
    language_name = "tinytorch"
    file_extension = ".py"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'import sys\nprint("to stderr", file=sys.stderr)'

    completion_samples = [
        {"text": "pri", "matches": {"print"}},
        {"text": "import math\nmath.sq", "matches": {"sqrt"}},
    ]

    complete_code_samples = ["1", 'print("hello, world")', "def f(x):\n    return x\n"]
    incomplete_code_samples = ["def f(x):", "for i in range(3):", "x = (1 +"]
    invalid_code_samples = ["x = )"]

    code_generate_error = "raise ValueError('boom')"

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "'ab' * 2", "result": "'abab'"},
        {"code": "import torch\ntorch.ones(2)", "result": "tensor([1., 1.])"},
    ]
    code_history_pattern = "1 + 2"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "print"

    code_clear_output = "from IPython.display import clear_output\nclear_output()"

    # A picture: SVG and PNG display data, sent while the cell runs.
    code_display_data = [
        {"code": "plot([3.0, 1.0, 2.0])", "mime": "image/svg+xml"},
        {"code": "plot([3.0, 1.0, 2.0])", "mime": "image/png"},
    ]



class LifecycleTests(unittest.TestCase):
    """Interrupt and restart as Jupyter's own client drives them (the
    kernelspec's interrupt_mode decides how it interrupts)."""

    def setUp(self):
        self.km, self.kc = start_new_kernel(kernel_name="tinytorch")

    def tearDown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def run_cell(self, code, timeout=15):
        return self.kc.execute_interactive(code, timeout=timeout, output_hook=lambda m: None)

    def test_interrupt_stops_a_loop_and_keeps_variables(self):
        self.assertEqual(self.run_cell("kept = 3")["content"]["status"], "ok")
        msg_id = self.kc.execute("while True:\n    pass")
        time.sleep(0.3)
        t = time.time()
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=5)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertLess(time.time() - t, 1.0)
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        self.assertEqual(self.run_cell("kept")["content"]["status"], "ok")

    def test_input_asks_the_client_over_stdin(self):
        msg_id = self.kc.execute("name = input('who? ')\nprint('hi', name)", allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=5)
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["content"]["prompt"], "who? ")
        self.assertEqual(req["parent_header"]["msg_id"], msg_id)
        self.kc.input("bob")
        reply = self.kc.get_shell_msg(timeout=5)
        self.assertEqual(reply["content"]["status"], "ok")
        text = ""
        while True:
            m = self.kc.get_iopub_msg(timeout=5)
            if m["msg_type"] == "stream":
                text += m["content"]["text"]
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        self.assertIn("hi bob", text)

    def test_input_without_stdin_is_ipykernels_error(self):
        reply = self.kc.execute_interactive("input('x')", timeout=10, allow_stdin=False,
                                            output_hook=lambda m: None)
        self.assertEqual(reply["content"]["ename"], "StdinNotImplementedError")

    def test_restart_gives_a_fresh_session(self):
        self.assertEqual(self.run_cell("gone = 1")["content"]["status"], "ok")
        t = time.time()
        self.km.restart_kernel()
        self.kc.wait_for_ready(timeout=15)
        print(f"restart took {time.time() - t:.2f} s")
        reply = self.run_cell("gone")
        self.assertEqual(reply["content"]["ename"], "NameError")


if __name__ == "__main__":
    unittest.main(verbosity=2)
