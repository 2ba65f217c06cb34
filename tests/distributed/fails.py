# Rank 1 raises; rank 0 waits in a barrier: the launch must end, with the
# error, well within the collective timeout.
import torch.distributed as dist
dist.init_process_group("gloo")
if dist.get_rank() == 1:
    raise ValueError("rank 1 gives up")
dist.barrier()
print("never printed")
