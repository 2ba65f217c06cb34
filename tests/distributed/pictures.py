# Under mpirun only rank 0 shows pictures, unless the script asks.
import tinytorch
import torch.distributed as dist
dist.init_process_group("gloo")
plot([3.0, 2.0, 1.0], title="rank 0 only")
dist.barrier()
tinytorch.show_on_all_ranks()
plot([1.0, 2.0], title="every rank")
dist.barrier()
